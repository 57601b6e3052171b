// The frame mode: hostile bytes below the RPCs, against an in-process EchoService.
//
// 1. protobuf: random, truncated and bit-flipped encodings of real messages are decoded as
//    every message type (protobuf-c behind the wire validator).
// 2. HTTP/2: an in-process gRPC server (EchoService) on loopback receives, over raw TCP
//    sockets, the connection preface followed by valid, truncated, mutated and random frames;
//    after every case the server must still answer a real gRPC call.
import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPC
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

struct FrameFuzzer {
    let cases: Int
    let seed: UInt64

    func run() async -> Int32 {
        var random = Generator(seed: seed)
        fuzzProtobuf(&random)
        print("protobuf: \(cases * 20) inputs decoded without a crash")

        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let server = GRPCServer(configuration: .init(host: "127.0.0.1", port: 0), services: [EchoService()], logger: logger)
        do {
            try await server.start()
        } catch {
            print("FAIL: server did not start: \(error)")
            return 1
        }
        let port = server.localAddress?.port ?? 0
        let client = GRPCClient(host: "127.0.0.1", port: port)
        let echo = EchoServiceClient(client)
        var failures = 0
        for index in 0..<cases {
            let input = http2Input(&random, case: index)
            send(input, toPort: port)
            if index % 25 == 24 || index == cases - 1 {
                do {
                    let reply = try await echo.get(EchoRequest(text: "alive \(index)"))
                    if reply.text != "alive \(index)" { failures += 1 }
                } catch {
                    print("FAIL: server unusable after case \(index): \(error)")
                    failures += 1
                }
            }
        }
        client.close()
        server.beginGracefulShutdown(grace: .seconds(1))
        await server.waitUntilStopped()
        print("http2: \(cases) hostile connections; server answered throughout: \(failures == 0)")
        return failures == 0 ? 0 : 1
    }

    // MARK: protobuf

    func fuzzProtobuf(_ random: inout Generator) {
        let samples: [[UInt8]] = [
            (try? Event(
                gameId: "g", position: Position(epoch: 1, seq: 2), sourceId: "s", kind: .basket, teamId: "BOS",
                points: 3, description: "d", state: GameState(homeScore: 3, period: 1, status: .live)
            ).serializedBytes()) ?? [],
            (try? StreamItem(reason: .reset, item: .snapshot(Snapshot(gameId: "g", state: GameState()))).serializedBytes()) ?? [],
            (try? ListGamesRequest(teamIds: ["A", "B"], statuses: [.live, .final], pageToken: "t").serializedBytes()) ?? [],
            (try? Nested(child: Nested(child: Nested(label: "x")), label: "y").serializedBytes()) ?? [],
        ]
        for _ in 0..<(cases * 5) {
            for sample in samples {
                let bytes = ByteMutator.mutate(sample, random: &random).bytes
                bytes.withUnsafeBytes { raw in
                    _ = try? Event(serializedBytes: raw)
                    _ = try? StreamItem(serializedBytes: raw)
                    _ = try? ListGamesRequest(serializedBytes: raw)
                    _ = try? Nested(serializedBytes: raw)
                    _ = try? PublishEventsRequest(serializedBytes: raw)
                }
            }
        }
    }

    // MARK: HTTP/2

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [
            UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
            UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF),
        ] + payload
    }

    /// HPACK "literal header field without indexing, new name" for each header.
    func headerBlock(_ headers: [(String, String)]) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in headers {
            block.append(0x00)
            block += hpackString(Array(name.utf8))
            block += hpackString(Array(value.utf8))
        }
        return block
    }

    func hpackString(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.count < 127 { return [UInt8(bytes.count)] + bytes }
        var out: [UInt8] = [127]
        var rest = bytes.count - 127
        while rest >= 128 {
            out.append(UInt8(rest & 0x7F | 0x80))
            rest >>= 7
        }
        out.append(UInt8(rest))
        return out + bytes
    }

    func grpcMessage(_ payload: [UInt8]) -> [UInt8] {
        [
            0, UInt8(payload.count >> 24 & 0xFF), UInt8(payload.count >> 16 & 0xFF), UInt8(payload.count >> 8 & 0xFF),
            UInt8(payload.count & 0xFF),
        ] + payload
    }

    /// A valid client conversation: SETTINGS, a few gRPC calls (some streaming), PING, WINDOW_UPDATE.
    func validConversation(_ random: inout Generator) -> [UInt8] {
        var bytes = Self.preface + frame(type: 4, flags: 0, stream: 0, payload: [])
        let methods = ["Get", "Expand", "Collect", "Update", "Depth", "Missing"]
        for index in 0..<Int.random(in: 1...4, using: &random) {
            let stream = UInt32(index * 2 + 1)
            let method = methods.randomElement(using: &random)!
            let headers = [
                (":method", "POST"), (":scheme", "http"), (":path", "/courtside.testing.v1.EchoService/\(method)"),
                (":authority", "fuzz"), ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "500m"),
            ]
            bytes += frame(type: 1, flags: 0x4, stream: stream, payload: headerBlock(headers))
            let request = (try? EchoRequest(text: "fuzz", count: 3).serializedBytes()) ?? []
            bytes += frame(type: 0, flags: 0x1, stream: stream, payload: grpcMessage(request))
        }
        bytes += frame(type: 6, flags: 0, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        bytes += frame(type: 8, flags: 0, stream: 0, payload: [0, 0, 0x10, 0])
        return bytes
    }

    func http2Input(_ random: inout Generator, case index: Int) -> [UInt8] {
        var bytes = validConversation(&random)
        switch index % 6 {
        case 0:  // the valid conversation, cut anywhere
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
        case 1:  // bit flips after the preface
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let position = Int.random(in: Self.preface.count..<bytes.count, using: &random)
                bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            }
        case 2:  // random frames of every type, flags, stream and length
            bytes = Self.preface
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                let payload = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                bytes += frame(
                    type: UInt8.random(in: 0...10, using: &random),
                    flags: UInt8.random(in: 0...255, using: &random),
                    stream: UInt32.random(in: 0...9, using: &random),
                    payload: payload
                )
            }
        case 3:  // pure garbage, sometimes without a preface
            bytes = (0..<Int.random(in: 0..<300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if Bool.random(using: &random) { bytes = Self.preface + bytes }
        case 4:  // a frame header announcing far more than follows, or more than allowed
            bytes = Self.preface + frame(type: 4, flags: 0, stream: 0, payload: [])
            var big = frame(type: 0, flags: 0, stream: 1, payload: [UInt8](repeating: 0, count: 32))
            big[0] = 0xFF
            bytes += big
        default:  // a flood of RST_STREAM / PING / SETTINGS and malformed gRPC bodies
            for stream in stride(from: UInt32(1), to: 200, by: 2) {
                let headers = [
                    (":method", "POST"), (":scheme", "http"), (":path", "/courtside.testing.v1.EchoService/Get"),
                    (":authority", "f"), ("content-type", "application/grpc"),
                ]
                bytes += frame(type: 1, flags: 0x4, stream: stream, payload: headerBlock(headers))
                if Bool.random(using: &random) {
                    bytes += frame(type: 3, flags: 0, stream: stream, payload: [0, 0, 0, 8])
                } else {
                    let garbage = (0..<Int.random(in: 0..<20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    bytes += frame(type: 0, flags: 1, stream: stream, payload: grpcMessage(garbage))
                }
                bytes += frame(type: 6, flags: 0, stream: 0, payload: [0, 0, 0, 0, 0, 0, 0, UInt8(stream & 0xFF)])
            }
        }
        return bytes
    }

    /// Sends bytes on a fresh TCP connection, then reads whatever comes back until the server
    /// closes the connection or goes quiet.
    func send(_ bytes: [UInt8], toPort port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return }
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
        }
    }
}
