import Auth
import GRPC
import GRPCWire
import Logging
import NIOCore
import NIOPosix
import ServiceKit

// The `bench.v1.Bench` service of ../shared/bench/grpc-peers on Courtside's gRPC layer:
//   /bench.v1.Bench/Unary   echoes the request bytes;
//   /bench.v1.Bench/Stream  request = u32 BE count N, optional u32 BE size S (default 100);
//                           replies with N messages of S bytes ('a' × S).
// Usage: grpc-bench-server [port] [host]
//   Unary runs inline on the event loop (`registerInlineUnary`: an echo answers from memory);
//   COURTSIDE_BENCH_UNARY=task runs it as an async handler in a task, as most service methods.
//   COURTSIDE_BENCH_THREADS=N sets the number of event loops (default: one per core).
//   COURTSIDE_BENCH_TLS_CERT=FILE and COURTSIDE_BENCH_TLS_KEY=FILE serve TLS (ALPN h2) instead
//   of cleartext h2c, as a service with --tls-cert-file does.
//   COURTSIDE_BENCH_JWKS=FILE checks every call's bearer token against that JWKS file, as a
//   service with --jwks-file does (Unary and Stream are outside the permission table, so they
//   need a token with `admin`). Unary stays inline when the interceptor decides the call at once
//   (the token verified before and cached, no key reload due); a first sight of a token, or the
//   JWKS file's check once a second, runs that call in a task. At the bench server's log level
//   (warning) no audit line is built, as in a service logging at warning.
#if canImport(Glibc)
    import Glibc
#endif

struct BenchService: RPCService {
    enum UnaryMode: String { case inline, task }

    let unaryMode: UnaryMode
    var serviceNames: [String] { ["bench.v1.Bench"] }

    func registerMethods(with router: inout RPCRouter) {
        let unary = MethodDescriptor(service: "bench.v1.Bench", method: "Unary")
        switch unaryMode {
        case .inline:
            router.registerInlineUnary(unary, request: RawBytes.self, response: RawBytes.self) { request, _ in request }
        case .task:
            router.registerUnary(unary, request: RawBytes.self, response: RawBytes.self) { request, _ in request }
        }
        router.registerServerStreaming(
            MethodDescriptor(service: "bench.v1.Bench", method: "Stream"),
            request: RawBytes.self,
            response: RawBytes.self
        ) { request, writer, _ in
            var buffer = request.buffer
            guard let count = buffer.readInteger(as: UInt32.self) else {
                throw RPCError(.invalidArgument, "Stream needs a u32 count")
            }
            let size = buffer.readInteger(as: UInt32.self) ?? 100
            let message = RawBytes(ByteBuffer(repeating: UInt8(ascii: "a"), count: Int(size)))
            for _ in 0..<count {
                try await writer.write(message)
            }
        }
    }
}

/// An environment variable, without Foundation (which would add ~8 MiB to the server's RSS).
func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 20070 : 20070
let host = arguments.count > 2 ? arguments[2] : "127.0.0.1"
let modeName = environment("COURTSIDE_BENCH_UNARY") ?? "inline"
guard let unaryMode = BenchService.UnaryMode(rawValue: modeName) else {
    let complaint = "grpc-bench-server: COURTSIDE_BENCH_UNARY must be inline or task, not '\(modeName)'\n"
    _ = complaint.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
var logger = Logger(label: "grpc-bench-server")
logger.logLevel = .warning
let threads = environment("COURTSIDE_BENCH_THREADS").flatMap(Int.init) ?? System.coreCount
let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
var configuration = GRPCServer.Configuration(host: host, port: port)
if let certificate = environment("COURTSIDE_BENCH_TLS_CERT"), let key = environment("COURTSIDE_BENCH_TLS_KEY") {
    configuration.tls = try ServerTLSCredentials(files: ServerTLSFiles(certificateFile: certificate, keyFile: key), logger: logger)
}
if let jwks = environment("COURTSIDE_BENCH_JWKS") {
    let verifier = try await TokenVerifier(
        configuration: TokenVerifier.Configuration(jwksPath: jwks, audience: "courtside", issuer: "courtside"), logger: logger
    )
    configuration.interceptor = AuthInterceptor(
        verifier: verifier, permissions: MethodPermissions(requireReadToken: false), metrics: ServiceMetrics(service: "bench"),
        audits: logger.logLevel <= .info
    )
}
let server = GRPCServer(configuration: configuration, services: [BenchService(unaryMode: unaryMode)], logger: logger, eventLoopGroup: group)
try await server.run()
