import ArgumentParser
import CourtsideProto
import CourtsideRPC
import GRPC

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a gRPC service's health (grpc.health.v1). Exits 0 when SERVING.",
        discussion: "Example: courtside health 127.0.0.1:50051 --service courtside.v1.ScoreService"
    )

    @Argument(help: "The service's address, host:port.") var address: String
    @Option(help: "The service name to check ('' = the server as a whole).") var service: String = ""
    @Option(help: "Seconds to wait for an answer.") var timeout: Double = 5
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        guard var configuration = GRPCClient.Configuration(address: address) else {
            throw ValidationError("the address must be host:port (got '\(address)')")
        }
        configuration.tls = try tls.credentials()
        let client = GRPCClient(configuration: configuration)
        defer { client.close() }
        let response: HealthCheckResponse
        do {
            response = try await HealthClient(client).check(
                HealthCheckRequest(service: service), options: CallOptions(timeout: .milliseconds(Int64(timeout * 1000)))
            )
        } catch {
            throw explain(error, service: service.isEmpty ? "gRPC" : service, address: address)
        }
        let name = (response.status.protoName ?? "UNKNOWN")
        print("\(address)\(service.isEmpty ? "" : " \(service)"): \(name)")
        if response.status != .serving {
            throw ExitCode(1)
        }
    }
}
