import NIOCore

/// Counts a response's bytes up to the end of its head (status line and headers), which must
/// come within `maximumBytes`. NIOHTTP1's own limits cover header names and values but not the
/// status line, which its decoder keeps buffered whole, so the head is measured here, on the raw
/// bytes, before the decoder sees them.
struct ResponseHeadBudget {
    /// Where the head stands.
    enum State: Equatable {
        /// Still in the head, this many bytes so far.
        case inHead(Int)
        /// The head ended within the budget; the rest is body.
        case ended
        /// The head went past the budget without ending.
        case exceeded
    }

    let maximumBytes: Int
    private(set) var state = State.inHead(0)
    /// Line feeds in a row, ignoring carriage returns: two end the head ("\r\n\r\n" or "\n\n").
    private var lineFeeds = 0

    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    /// Takes the next bytes received.
    mutating func consume(_ bytes: some Sequence<UInt8>) {
        guard case .inHead(var count) = state else { return }
        for byte in bytes {
            count += 1
            if count > maximumBytes {
                state = .exceeded
                return
            }
            switch byte {
            case UInt8(ascii: "\n"):
                lineFeeds += 1
                if lineFeeds == 2 {
                    state = .ended
                    return
                }
            case UInt8(ascii: "\r"): break
            default: lineFeeds = 0
            }
        }
        state = .inHead(count)
    }
}

/// Applies a ``ResponseHeadBudget`` to a connection's inbound bytes: over budget, the request
/// fails with ``HTTPClient/Failure/tooLarge(_:)`` and the connection is closed.
final class ResponseHeadBudgetHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var budget: ResponseHeadBudget

    init(maximumBytes: Int) {
        budget = ResponseHeadBudget(maximumBytes: maximumBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if budget.state != .ended {
            budget.consume(unwrapInboundIn(data).readableBytesView)
            if budget.state == .exceeded {
                context.fireErrorCaught(HTTPClient.Failure.tooLarge("a response head larger than \(budget.maximumBytes) bytes"))
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }
}
