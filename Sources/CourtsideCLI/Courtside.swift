// `courtside`: the command-line tool for internal users. See `courtside --help`.
import ArgumentParser
import Foundation
import GRPC
import ServiceKit

@main
struct Courtside: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtside",
        abstract: "Watch live games, list the schedule, publish events and check services.",
        subcommands: [Watch.self, Games.self, Publish.self, Health.self, Token.self]
    )
}

/// Addresses of the services, with the same variables as the services themselves.
struct Addresses: ParsableArguments {
    @Option(help: "The score service, host:port (env COURTSIDE_SCORE_ADDR).")
    var scoreAddr: String = ServiceAddresses.score.environmentValue()

    @Option(help: "The schedule service, host:port (env COURTSIDE_SCHEDULE_ADDR).")
    var scheduleAddr: String = ServiceAddresses.schedule.environmentValue()

    @Option(help: "The subscription service, host:port (env COURTSIDE_SUBSCRIPTION_ADDR).")
    var subscriptionAddr: String = ServiceAddresses.subscription.environmentValue()

    @OptionGroup var tls: ClientTLSOptions

    @Option(
        help: "File holding the bearer token sent with every call (env COURTSIDE_TOKEN_FILE; default: run/tokens/cli.token when it exists)."
    )
    var tokenFile: String = ClientCredentialSettings.tokenFile.environmentValue()

    /// The token file given, else the one `make run` writes, when it is there.
    var resolvedTokenFile: String? {
        if !tokenFile.isEmpty { return tokenFile }
        return FileManager.default.isReadableFile(atPath: Self.runTokenFile) ? Self.runTokenFile : nil
    }

    static let runTokenFile = "run/tokens/cli.token"

    func client(_ address: String, _ flag: String) throws -> GRPCClient {
        guard let configuration = GRPCClient.Configuration(address: address) else {
            throw ValidationError("\(flag) must be host:port (got '\(address)')")
        }
        var withoutKeepalive = configuration
        do { withoutKeepalive.credentials = try BearerTokenFile.open(resolvedTokenFile) } catch {
            throw ValidationError("--token-file: \(error)")
        }
        withoutKeepalive.connectTimeout = .seconds(3)
        withoutKeepalive.tls = try tls.credentials()
        return GRPCClient(configuration: withoutKeepalive)
    }
}

/// A failure to report to the user (printed as "Error: …", exit code 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String
}

/// Turns gRPC errors into messages a person can act on.
func explain(_ error: any Error, service: String, address: String) -> CLIError {
    if let error = error as? RPCError {
        switch error.code {
        case .unavailable:
            return CLIError(
                description:
                    "cannot reach the \(service) service at \(address) — is it running? (`make run` starts everything) [\(error.message)]")
        case .deadlineExceeded:
            return CLIError(description: "the \(service) service at \(address) did not answer in time")
        default:
            return CLIError(description: "\(service) service: \(error.code): \(error.message)")
        }
    }
    return CLIError(description: "\(service) service at \(address): \(error)")
}
