// A gRPC server with EchoService and the health service, for the interop tests (a Python grpcio
// client calls it). Usage: courtside-echo-server PORT [MAX_MESSAGE_BYTES]
// Prints "listening on PORT" once it accepts connections; drains gracefully on SIGTERM/SIGINT.
import CourtsideProto
import CourtsideRPC
import EchoExample
import Foundation
import GRPC
import GRPCHealth
import Logging
import ServiceKit

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: courtside-echo-server PORT [MAX_MESSAGE_BYTES]\n".utf8))
    exit(2)
}
var configuration = GRPCServer.Configuration(host: "127.0.0.1", port: port)
if arguments.count >= 3, let limit = Int(arguments[2]) {
    configuration.maximumReceiveMessageSize = limit
}
LoggingSetup.bootstrap(level: .notice, format: .text)
let logger = Logger(label: "echo-server")
let health = HealthService(services: [EchoServiceMethods.serviceName])
let server = GRPCServer(configuration: configuration, services: [EchoService(), health], logger: logger)
let service = GRPCServerService(server: server, health: health, readiness: Readiness(), grace: .seconds(5), logger: logger) { port in
    FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
}
try await ServiceRunner.run([service], grace: .seconds(5), logger: logger)
