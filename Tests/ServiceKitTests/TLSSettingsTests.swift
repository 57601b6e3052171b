import GRPC
import ServiceKit
import Testing

/// The TLS settings of a gRPC port and of the clients to other services: which combinations
/// turn TLS on, which are refused at start, and the messages that say why.
@Suite struct TLSSettingsTests {
    static func serverFiles(_ arguments: [String], environment: [String: String] = [:]) throws(SettingsError) -> ServerTLSFiles? {
        try GRPCServerSettings.tls(from: SettingsReader(arguments: arguments, environment: environment))
    }

    static func clientFiles(_ arguments: [String], environment: [String: String] = [:]) throws(SettingsError) -> ClientTLSFiles? {
        try GRPCClientSettings.tls(from: SettingsReader(arguments: arguments, environment: environment))
    }

    @Test func noCertificateMeansCleartext() throws {
        #expect(try Self.serverFiles([]) == nil)
        #expect(try Self.clientFiles([]) == nil)
    }

    @Test func aCertificateAndKeyTurnTLSOnWithTheClientCAAndInterval() throws {
        let files = try Self.serverFiles(
            ["--tls-cert-file", "/etc/tls/tls.crt", "--tls-reload-seconds", "0.5"],
            environment: ["COURTSIDE_TLS_KEY_FILE": "/etc/tls/tls.key", "COURTSIDE_TLS_CLIENT_CA_FILE": "/etc/tls/ca.crt"]
        )
        #expect(
            files
                == ServerTLSFiles(
                    certificateFile: "/etc/tls/tls.crt", keyFile: "/etc/tls/tls.key", clientCAFile: "/etc/tls/ca.crt",
                    reloadInterval: .milliseconds(500)))
        #expect(try Self.serverFiles(["--tls-cert-file", "c", "--tls-key-file", "k"])?.reloadInterval == .seconds(5))
    }

    @Test func halfAPairOrAClientCAAloneIsRefused() {
        #expect(throws: SettingsError.self) { try Self.serverFiles(["--tls-cert-file", "c"]) }
        #expect(throws: SettingsError.self) { try Self.serverFiles(["--tls-key-file", "k"]) }
        #expect(throws: SettingsError.self) { try Self.serverFiles(["--tls-client-ca-file", "ca"]) }
        #expect(throws: SettingsError.self) {
            try Self.serverFiles(["--tls-cert-file", "c", "--tls-key-file", "k", "--tls-reload-seconds", "0"])
        }
    }

    @Test func theMessageNamesTheMissingFlag() {
        do {
            _ = try Self.serverFiles(["--tls-cert-file", "c"])
            Issue.record("a certificate without its key was accepted")
        } catch {
            #expect(error.description.contains("--tls-key-file"))
        }
    }

    @Test func aClientCATurnsClientTLSOnWithAnOptionalCertificate() throws {
        #expect(try Self.clientFiles(["--client-tls-ca-file", "ca"]) == ClientTLSFiles(caFile: "ca"))
        let files = try Self.clientFiles(
            ["--client-tls-ca-file", "ca", "--client-tls-cert-file", "c", "--client-tls-key-file", "k"],
            environment: ["COURTSIDE_CLIENT_TLS_SERVER_NAME": "score.courtside.internal"]
        )
        #expect(files == ClientTLSFiles(caFile: "ca", certificateFile: "c", keyFile: "k", serverName: "score.courtside.internal"))
    }

    @Test func clientSettingsWithoutACAOrHalfAPairAreRefused() {
        #expect(throws: SettingsError.self) { try Self.clientFiles(["--client-tls-cert-file", "c", "--client-tls-key-file", "k"]) }
        #expect(throws: SettingsError.self) { try Self.clientFiles(["--client-tls-server-name", "score"]) }
        #expect(throws: SettingsError.self) { try Self.clientFiles(["--client-tls-ca-file", "ca", "--client-tls-cert-file", "c"]) }
        #expect(throws: SettingsError.self) { try Self.clientFiles(["--client-tls-ca-file", "ca", "--client-tls-key-file", "k"]) }
    }
}
