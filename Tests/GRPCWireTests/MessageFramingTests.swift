import GRPCWire
import NIOCore
import Testing

@Suite struct MessageFramingTests {
    private func framed(_ payloads: [[UInt8]]) throws -> [UInt8] {
        var buffer = ByteBuffer()
        for payload in payloads {
            try GRPCMessageFramer.frame(RawBytes(payload), into: &buffer)
        }
        return Array(buffer.readableBytesView)
    }

    @Test func framesWithFlagAndBigEndianLength() throws {
        #expect(try framed([[1, 2, 3]]) == [0, 0, 0, 0, 3, 1, 2, 3])
        #expect(try framed([[]]) == [0, 0, 0, 0, 0])
    }

    @Test func reassemblesMessagesSplitAtEveryBoundary() throws {
        let payloads: [[UInt8]] = [Array(0..<200), [], [7], Array(repeating: 9, count: 70_000)]
        let wire = try framed(payloads)
        for chunkSize in [1, 2, 3, 5, 7, 4096, 16_384, wire.count] {
            var deframer = GRPCMessageDeframer(maximumMessageSize: 1 << 20)
            var received: [[UInt8]] = []
            var offset = 0
            while offset < wire.count {
                let end = min(offset + chunkSize, wire.count)
                wire[offset..<end].withUnsafeBytes { deframer.append($0) }
                while let message = try deframer.next() {
                    received.append(Array(message.readableBytesView))
                }
                offset = end
            }
            #expect(received == payloads, "chunk size \(chunkSize)")
            #expect(!deframer.hasPartialMessage)
        }
    }

    @Test func rejectsMessagesOverTheLimitBeforeBufferingThem() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 10)
        let header: [UInt8] = [0, 0, 0, 0, 11]
        header.withUnsafeBytes { deframer.append($0) }
        #expect(throws: GRPCMessageDeframer.DeframingError.messageTooLarge(size: 11, limit: 10)) {
            try deframer.next()
        }
        #expect(GRPCMessageDeframer.DeframingError.messageTooLarge(size: 11, limit: 10).status == .resourceExhausted)
    }

    @Test func rejectsCompressedAndInvalidFlags() throws {
        var compressed = GRPCMessageDeframer(maximumMessageSize: 100)
        [UInt8]([1, 0, 0, 0, 1, 0]).withUnsafeBytes { compressed.append($0) }
        #expect(throws: GRPCMessageDeframer.DeframingError.compressionNotSupported) { try compressed.next() }

        var invalid = GRPCMessageDeframer(maximumMessageSize: 100)
        [UInt8]([2, 0, 0, 0, 1, 0]).withUnsafeBytes { invalid.append($0) }
        #expect(throws: GRPCMessageDeframer.DeframingError.invalidFlag(2)) { try invalid.next() }
    }

    @Test func reportsAPartialMessage() throws {
        var deframer = GRPCMessageDeframer(maximumMessageSize: 100)
        [UInt8]([0, 0, 0, 0, 4, 1, 2]).withUnsafeBytes { deframer.append($0) }
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
    }
}
