import CourtsideProto
import CourtsideRPC
import EchoExample
import GRPC
import GRPCHealth
import NIOCore
import Testing

@Suite struct CallTests {
    @Test func unaryCarriesMetadataBothWays() async throws {
        let fixture = try await EchoFixture.start()
        var metadata = Metadata()
        metadata.addString("hello", forKey: "echo-greeting")
        metadata.addBinary([0, 1, 2, 255], forKey: "echo-trace-bin")
        metadata.addString("x", forKey: "x-other")
        let (response, headers, trailers): (EchoResponse, Metadata, Metadata) = try await fixture.client.unaryWithMetadata(
            EchoServiceMethods.get,
            request: EchoRequest(text: "hi", responseSize: 3),
            options: CallOptions(metadata: metadata)
        )
        #expect(response.text == "hi")
        #expect(response.payload == [0x61, 0x61, 0x61])
        #expect(response.metadata == ["echo-greeting=hello", "echo-trace-bin=AAEC/w==", "x-other=x"])
        #expect(headers.firstString(forKey: "echo-greeting") == "hello")
        #expect(headers[binaryValues: "echo-trace-bin"] == [[0, 1, 2, 255]])
        #expect(trailers.firstString(forKey: "trailer-greeting") == "hello")
        #expect(trailers[binaryValues: "trailer-trace-bin"] == [[0, 1, 2, 255]])
        await fixture.stop()
    }

    @Test func failuresCarryCodeAndPercentEncodedMessage() async throws {
        let fixture = try await EchoFixture.start()
        await #expect(throws: RPCError(.notFound, "failure requested: Grüße 100% 🏀")) {
            _ = try await fixture.echo.get(EchoRequest(text: "Grüße 100% 🏀", failCode: 5))
        }
        // A failure after messages comes in trailers, not Trailers-Only.
        let received = try await fixture.echo.expand(EchoRequest(text: "x", count: 3, failCode: 9)) { responses in
            var count = 0
            do {
                for try await _ in responses { count += 1 }
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition)
            }
            return count
        }
        #expect(received == 3)
        await fixture.stop()
    }

    @Test func serverStreamingDeliversThousandsInOrder() async throws {
        let fixture = try await EchoFixture.start()
        let indices = try await fixture.echo.expand(EchoRequest(text: "s", count: 5000, responseSize: 100)) { responses in
            var indices: [UInt32] = []
            for try await response in responses { indices.append(response.index) }
            return indices
        }
        #expect(indices == Array(0..<5000))
        await fixture.stop()
    }

    @Test func aHandlerCanSendItsHeadersBeforeItsFirstMessage() async throws {
        let fixture = try await EchoFixture.start()
        var metadata = Metadata()
        metadata.addString("early", forKey: "echo-when")
        let messagesWhenHeadersArrived = try await fixture.echo.expand(
            EchoRequest(text: "h", count: 1, delayMs: 3_000), options: CallOptions(metadata: metadata)
        ) { responses in
            let headers = try await responses.metadata
            #expect(headers.firstString(forKey: "echo-when") == "early")
            // Had the headers come with the first message, the handler would have counted it by now.
            try await Task.sleep(for: .milliseconds(200))
            let written = fixture.echoService.observed.expandMessagesWritten
            var received = 0
            for try await _ in responses { received += 1 }
            #expect(received == 1)
            return written
        }
        #expect(messagesWhenHeadersArrived == 0, "the headers came before the handler wrote anything")
        await fixture.stop()
    }

    @Test func clientStreamingCollectsEveryMessage() async throws {
        let fixture = try await EchoFixture.start()
        let response = try await fixture.echo.collect { writer in
            for index in 0..<200 {
                try await writer.write(EchoRequest(text: "m\(index)"))
            }
        }
        #expect(response.index == 200)
        #expect(response.text == (0..<200).map { "m\($0)" }.joined(separator: " "))
        await fixture.stop()
    }

    @Test func bidirectionalStreamingInterleaves() async throws {
        let fixture = try await EchoFixture.start()
        let texts = try await fixture.echo.update(
            requestProducer: { writer in
                for index in 0..<100 {
                    try await writer.write(EchoRequest(text: "b\(index)"))
                }
            },
            onResponse: { responses in
                var texts: [String] = []
                for try await response in responses { texts.append(response.text) }
                return texts
            })
        #expect(texts == (0..<100).map { "b\($0)" })
        await fixture.stop()
    }

    @Test func manyConcurrentCallsShareOneConnection() async throws {
        let fixture = try await EchoFixture.start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let response = try await fixture.echo.get(EchoRequest(text: "c\(index)"))
                    #expect(response.text == "c\(index)")
                }
            }
            try await group.waitForAll()
        }
        #expect(fixture.server.connectionCount == 1)
        await fixture.stop()
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        let fixture = try await EchoFixture.start()
        await #expect(throws: RPCError(.unimplemented, "unknown method /courtside.testing.v1.EchoService/Missing")) {
            let _: EchoResponse = try await fixture.client.unary(
                MethodDescriptor(service: "courtside.testing.v1.EchoService", method: "Missing"),
                request: EchoRequest()
            )
        }
        await fixture.stop()
    }

    @Test func oversizedRequestIsResourceExhaustedAndTheConnectionLivesOn() async throws {
        let fixture = try await EchoFixture.start(maximumMessageSize: 1024)
        do {
            _ = try await fixture.echo.get(EchoRequest(payload: [UInt8](repeating: 1, count: 64 << 10)))
            Issue.record("an oversized request must fail")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted)
            #expect(error.message.contains("exceeds the maximum of 1024 bytes"))
        }
        #expect(try await fixture.echo.get(EchoRequest(text: "still fine")).text == "still fine")
        await fixture.stop()
    }

    @Test func malformedRequestIsInvalidArgument() async throws {
        let fixture = try await EchoFixture.start()
        do {
            let _: EchoResponse = try await fixture.client.unary(EchoServiceMethods.get, request: RawBytes([0x0A, 0x7F, 0x01]))
            Issue.record("a malformed request must fail")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("EchoRequest"))
        }
        await fixture.stop()
    }

    @Test func nestingLimitIsEnforcedOnTheServer() async throws {
        let fixture = try await EchoFixture.start()
        func nested(_ depth: Int) -> Nested {
            var message = Nested(label: "leaf")
            for _ in 1..<depth { message = Nested(child: message) }
            return message
        }
        #expect(try await fixture.echo.depth(nested(100)).index == 100)
        await #expect(throws: RPCError.self) {
            _ = try await fixture.echo.depth(nested(101))
        }
        await fixture.stop()
    }
}
