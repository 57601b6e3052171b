import Testing

@testable import GRPC

/// The one drain waiter of client and server calls, without a connection.
@Suite struct OutboundDrainWaiterTests {
    @Test func aDrainedStreamOrAFailedCallAnswersAtOnce() async throws {
        var drain = OutboundDrainWaiter()
        try await withCheckedThrowingContinuation { continuation in
            let parked = drain.wait(continuation, failure: nil, drained: true)
            #expect(!parked)
        }
        await #expect(throws: RPCError(.cancelled, "gone")) {
            try await withCheckedThrowingContinuation { continuation in
                let parked = drain.wait(continuation, failure: RPCError(.cancelled, "gone"), drained: true)
                #expect(!parked)
            }
        }
        #expect(!drain.isWaiting)
    }

    @Test func aBlockedWriterWaitsUntilResumed() async throws {
        var drain = OutboundDrainWaiter()
        try await withCheckedThrowingContinuation { continuation in
            let parked = drain.wait(continuation, failure: nil, drained: false)
            #expect(parked)
            #expect(drain.isWaiting)
            drain.resume(nil)
        }
        #expect(!drain.isWaiting)
        // Nobody waiting: nothing to wake.
        drain.resume(nil)
        await #expect(throws: RPCError(.unavailable, "reset")) {
            try await withCheckedThrowingContinuation { continuation in
                let parked = drain.wait(continuation, failure: nil, drained: false)
                #expect(parked)
                drain.resume(RPCError(.unavailable, "reset"))
            }
        }
    }

    @Test func aCancelledWriterStopsWaitingAndNeverWaitsAgain() async throws {
        var drain = OutboundDrainWaiter()
        await #expect(throws: CancellationError.self) {
            try await withCheckedThrowingContinuation { continuation in
                let parked = drain.wait(continuation, failure: nil, drained: false)
                #expect(parked)
                drain.cancel()
            }
        }
        // Even a drained stream: the task was cancelled before it asked.
        await #expect(throws: CancellationError.self) {
            try await withCheckedThrowingContinuation { continuation in
                let parked = drain.wait(continuation, failure: nil, drained: true)
                #expect(!parked)
            }
        }
        #expect(!drain.isWaiting)
    }
}
