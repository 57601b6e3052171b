import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPC
import GRPCHealth
import Logging
import NIOCore

/// A running echo server on an ephemeral loopback port, and a client for it.
struct EchoFixture {
    let server: GRPCServer
    let client: GRPCClient
    var echo: EchoServiceClient { EchoServiceClient(client) }
    var port: Int { server.localAddress?.port ?? 0 }

    static func start(port: Int = 0, maximumMessageSize: Int = 4 << 20) async throws -> EchoFixture {
        var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: port)
        configuration.maximumReceiveMessageSize = maximumMessageSize
        let service = EchoService()
        let health = HealthService(services: [EchoServiceMethods.serviceName])
        let server = GRPCServer(configuration: configuration, services: [service, health], logger: Logger(label: "test-server"))
        try await server.start()
        let client = GRPCClient(host: "127.0.0.1", port: server.localAddress!.port!)
        return EchoFixture(service: service, health: health, server: server, client: client)
    }

    init(service: EchoService, health: HealthService, server: GRPCServer, client: GRPCClient) {
        self.server = server
        self.client = client
        self.serviceStorage = service
        self.healthStorage = health
    }

    private let serviceStorage: EchoService
    private let healthStorage: HealthService

    func stop() async {
        client.close()
        server.beginGracefulShutdown(grace: .seconds(1))
        await server.waitUntilStopped()
    }
}

extension EchoFixture {
    var echoService: EchoService { serviceStorage }
    var healthService: HealthService { healthStorage }
}

/// Polls until `condition` holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
