import NIOCore
import Testing

@testable import GRPCWire

@Suite struct TimeoutLimitTests {
    private func timeout(_ value: String) -> GRPCTimeout?? {
        guard
            case .accepted(let head) = GRPCRequestHead.validate(headers: [
                (":method", "POST"), (":path", "/a.B/C"), ("content-type", "application/grpc"), ("grpc-timeout", value),
            ])
        else { return .none }
        return .some(head.timeout)
    }

    @Test func theLargestTimeoutTheHeaderAllowsMeansNoDeadline() {
        #expect(timeout("99999999H") == .some(nil))
        #expect(timeout("1441M") == .some(nil))
        #expect(timeout("86400S") == .some(GRPCTimeout(.seconds(86_400))))
        #expect(timeout("99999999n") == .some(GRPCTimeout(.nanoseconds(99_999_999))))
    }
}

@Suite struct RequestBufferBudgetTests {
    @Test func aStreamOverItsBudgetAndAConnectionOverItsAreTold() {
        var budget = RequestBufferBudget(perStream: 100, perConnection: 250)
        #expect(budget.streamHolding(changedFrom: 0, to: 100) == .withinBudget)
        #expect(budget.streamHolding(changedFrom: 100, to: 101) == .streamOverBudget)
        _ = budget.streamHolding(changedFrom: 101, to: 0)
        #expect(budget.heldBytes == 0)
        #expect(budget.streamHolding(changedFrom: 0, to: 100) == .withinBudget)
        #expect(budget.streamHolding(changedFrom: 0, to: 100) == .withinBudget)
        #expect(budget.streamHolding(changedFrom: 0, to: 60) == .connectionOverBudget)
        _ = budget.streamHolding(changedFrom: 60, to: 0)
        // A stream that shrinks is never blamed, even while the connection is over.
        #expect(budget.streamHolding(changedFrom: 100, to: 90) == .withinBudget)
        #expect(budget.heldBytes == 190)
    }
}

@Suite struct DeframerMemoryTests {
    @Test func aLargeMessageIsCountedInFullFromItsPrefixAndNeverBufferedTwice() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 4 << 20)
        let size = 3 << 20
        let prefix: [UInt8] = [0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
        (prefix + [1, 2, 3]).withUnsafeBytes { deframer.append($0) }
        #expect(try deframer.next() == nil)
        // The whole buffer is held (and counted) at once: 4 MiB for 3 MiB, never 8.
        #expect(deframer.heldBytes == 4 << 20)
        let chunk = [UInt8](repeating: 9, count: 16_384)
        var sent = 3
        while sent < size {
            let count = min(chunk.count, size - sent)
            chunk[0..<count].withUnsafeBytes { deframer.append($0) }
            sent += count
            #expect(deframer.heldBytes == 4 << 20)
        }
        let message = try #require(try deframer.next())
        #expect(message.readableBytes == size)
        #expect(message.capacity == 4 << 20)
        #expect(deframer.heldBytes == 0 && !deframer.hasPartialMessage)
    }

    @Test func aStreamWhoseFramesAlwaysEndInsideAMessageDoesNotGrowItsBuffer() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 1 << 20)
        // 109-byte messages in 16 KiB pieces: no piece ends on a message boundary before
        // 1.78 MB (their least common multiple), so the buffer never empties on its own.
        let message: [UInt8] = [0, 0, 0, 0, 104] + [UInt8](repeating: 5, count: 104)
        let wire = Array([[UInt8]](repeating: message, count: 15_000).joined())
        var received = 0
        for start in stride(from: 0, to: wire.count, by: 16_384) {
            wire[start..<min(start + 16_384, wire.count)].withUnsafeBytes { deframer.append($0) }
            while try deframer.next() != nil { received += 1 }
            #expect(deframer.bufferCapacity <= 256 << 10)
        }
        #expect(received == 15_000)
    }
}
