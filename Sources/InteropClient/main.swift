// Courtside's Swift gRPC client against a real peer (the Python grpcio EchoService in
// Tests/e2e/interop/echo_server.py). Usage: courtside-interop-client HOST:PORT
// Prints one line per scenario ("ok NAME" or "FAIL NAME: why") and exits 1 if any failed.
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC

struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ScenarioFailure(message()) }
}

func expectStatus(_ codes: [GRPCStatusCode], _ body: () async throws -> Void) async throws -> RPCError {
    do {
        try await body()
    } catch let error as RPCError {
        try check(codes.contains(error.code), "expected \(codes), got \(error)")
        return error
    }
    throw ScenarioFailure("expected \(codes), but the call succeeded")
}

guard CommandLine.arguments.count == 2, let configuration = GRPCClient.Configuration(address: CommandLine.arguments[1]) else {
    FileHandle.standardError.write(Data("usage: courtside-interop-client HOST:PORT\n".utf8))
    exit(2)
}
exit(await runScenarios(client: GRPCClient(configuration: configuration)))

func runScenarios(client: GRPCClient) async -> Int32 {
    let echo = EchoServiceClient(client)

    let scenarios: [(String, () async throws -> Void)] = [
        (
            "unary with metadata",
            {
                var metadata = Metadata()
                metadata.addString("abc", forKey: "echo-token")
                metadata.addBinary([0, 1, 0xFE, 0xFF], forKey: "echo-data-bin")
                let (response, headers, trailers): (EchoResponse, Metadata, Metadata) = try await client.unaryWithMetadata(
                    EchoServiceMethods.get, request: EchoRequest(text: "hello", responseSize: 10), options: CallOptions(metadata: metadata))
                try check(response.text == "hello" && response.payload == [UInt8](repeating: 0x61, count: 10), "wrong response \(response)")
                try check(response.metadata.contains("echo-token=abc"), "server did not see metadata: \(response.metadata)")
                try check(headers.firstString(forKey: "echo-token") == "abc", "headers \(headers)")
                try check(headers[binaryValues: "echo-data-bin"] == [[0, 1, 0xFE, 0xFF]], "binary header \(headers)")
                try check(trailers[binaryValues: "trailer-data-bin"] == [[0, 1, 0xFE, 0xFF]], "trailers \(trailers)")
            }
        ),
        (
            "status and unicode message",
            {
                let error = try await expectStatus([.alreadyExists]) {
                    _ = try await echo.get(EchoRequest(text: "Grüße 100% 🏀", failCode: 6))
                }
                try check(error.message == "failure requested: Grüße 100% 🏀", "message \(error.message)")
            }
        ),
        (
            "server streaming, 20000 messages",
            {
                let indices = try await echo.expand(EchoRequest(text: "s", count: 20_000, responseSize: 50)) { responses in
                    var indices: [UInt32] = []
                    for try await response in responses { indices.append(response.index) }
                    return indices
                }
                try check(indices == Array(0..<20_000), "got \(indices.count) messages, out of order or missing")
            }
        ),
        (
            "stalled reader resumes",
            {
                let count = try await echo.expand(EchoRequest(text: "big", count: 3000, responseSize: 10_000)) { responses in
                    var iterator = responses.makeAsyncIterator()
                    for _ in 0..<5 { _ = try await iterator.next() }
                    try await Task.sleep(for: .seconds(1))
                    var received = 5
                    while try await iterator.next() != nil { received += 1 }
                    return received
                }
                try check(count == 3000, "received \(count) of 3000")
            }
        ),
        (
            "client streaming",
            {
                let response = try await echo.collect { writer in
                    for index in 0..<300 { try await writer.write(EchoRequest(text: "w\(index)")) }
                }
                try check(response.index == 300, "server counted \(response.index)")
            }
        ),
        (
            "bidirectional streaming",
            {
                let texts = try await echo.update(
                    requestProducer: { writer in
                        for index in 0..<200 { try await writer.write(EchoRequest(text: "b\(index)")) }
                    },
                    onResponse: { responses in
                        var texts: [String] = []
                        for try await response in responses { texts.append(response.text) }
                        return texts
                    })
                try check(texts == (0..<200).map { "b\($0)" }, "got \(texts.count) responses")
            }
        ),
        (
            "deadline exceeded",
            {
                let started = ContinuousClock.now
                _ = try await expectStatus([.deadlineExceeded]) {
                    _ = try await echo.get(EchoRequest(text: "slow", delayMs: 5000), options: CallOptions(timeout: .milliseconds(300)))
                }
                try check(ContinuousClock.now - started < .seconds(3), "took \(ContinuousClock.now - started)")
            }
        ),
        (
            "client cancel",
            {
                let task = Task {
                    try await echo.expand(EchoRequest(text: "c", count: 1000, delayMs: 20)) { responses in
                        for try await _ in responses {}
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
                task.cancel()
                do {
                    try await task.value
                    throw ScenarioFailure("the cancelled stream completed")
                } catch is ScenarioFailure {
                    throw ScenarioFailure("the cancelled stream completed")
                } catch {}
                try check(try await echo.get(EchoRequest(text: "next")).text == "next", "connection unusable after cancel")
            }
        ),
        (
            "unknown method",
            {
                _ = try await expectStatus([.unimplemented]) {
                    let _: EchoResponse = try await client.unary(
                        MethodDescriptor(service: "courtside.testing.v1.EchoService", method: "Missing"), request: EchoRequest())
                }
            }
        ),
        (
            "oversized message",
            {
                _ = try await expectStatus([.resourceExhausted]) {
                    _ = try await echo.get(EchoRequest(payload: [UInt8](repeating: 1, count: (1 << 20) + 1)))
                }
            }
        ),
        (
            "malformed message",
            {
                _ = try await expectStatus([.internal, .invalidArgument]) {
                    let _: EchoResponse = try await client.unary(EchoServiceMethods.get, request: RawBytes([0x0A, 0x7F, 0x01]))
                }
            }
        ),
        (
            "health check and watch",
            {
                let health = HealthClient(client)
                try check(try await health.check(HealthCheckRequest()).status == .serving, "not serving")
                let first = try await health.watch(HealthCheckRequest(service: "courtside.testing.v1.EchoService")) { responses in
                    for try await response in responses { return response.status }
                    return .unknown
                }
                try check(first == .serving, "watch said \(first)")
            }
        ),
        (
            "many concurrent calls",
            {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<300 {
                        group.addTask {
                            let text = try await echo.get(EchoRequest(text: "\(index)")).text
                            try check(text == "\(index)", "wrong echo \(text)")
                        }
                    }
                    try await group.waitForAll()
                }
            }
        ),
    ]

    var failures = 0
    for (name, scenario) in scenarios {
        do {
            try await scenario()
            print("ok \(name)")
        } catch {
            failures += 1
            print("FAIL \(name): \(error)")
        }
    }
    client.close()
    print(failures == 0 ? "all \(scenarios.count) scenarios passed" : "\(failures) of \(scenarios.count) scenarios failed")
    return failures == 0 ? 0 : 1
}
