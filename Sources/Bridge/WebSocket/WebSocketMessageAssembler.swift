public import NIOCore
public import NIOWebSocket

/// Reassembles WebSocket messages from frames and enforces RFC 6455 for a server: masked client
/// frames, no RSV bits (no extension is negotiated), known opcodes, continuation rules, control
/// frames (which may interleave with a fragmented message), close codes and reasons, UTF-8 of
/// text messages across fragments (failing fast), and a size limit on reassembled messages.
/// It returns what the connection must do; the channel handler only carries that out.
public struct WebSocketMessageAssembler {
    /// What a frame leads to.
    public enum Action: Equatable {
        /// Nothing yet (a fragment was stored, or a pong arrived).
        case none
        /// A complete text message (valid UTF-8).
        case text(ByteBuffer)
        /// A complete binary message.
        case binary(ByteBuffer)
        /// Answer with a pong carrying this payload.
        case ping(ByteBuffer)
        /// The peer closes: answer with a close frame echoing `code` (nil: no code was sent).
        case close(code: UInt16?)
        /// Fail the connection: send a close frame with this code and reason, then close.
        case fail(code: UInt16, reason: String)
    }

    /// Close codes (RFC 6455 §7.4.1).
    public enum CloseCode {
        public static let normal: UInt16 = 1000
        public static let goingAway: UInt16 = 1001
        public static let protocolError: UInt16 = 1002
        public static let unsupportedData: UInt16 = 1003
        public static let invalidPayload: UInt16 = 1007
        public static let policyViolation: UInt16 = 1008
        public static let messageTooBig: UInt16 = 1009
        public static let internalError: UInt16 = 1011
        public static let tooSlow: UInt16 = 4000
        public static let idleTimeout: UInt16 = 4001
        public static let tokenExpired: UInt16 = 4002
    }

    private enum Partial {
        case text(ByteBuffer, UTF8Validator)
        case binary(ByteBuffer)
    }

    /// Largest reassembled message accepted (larger → 1009).
    public let maximumMessageBytes: Int
    private var partial: Partial?

    /// An assembler accepting messages of at most `maximumMessageBytes` (reassembled).
    public init(maximumMessageBytes: Int) {
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// Processes one decoded frame.
    public mutating func receive(_ frame: WebSocketFrame) -> Action {
        if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            return .fail(code: CloseCode.protocolError, reason: "reserved bits set without a negotiated extension")
        }
        guard frame.maskKey != nil else {
            return .fail(code: CloseCode.protocolError, reason: "client frames must be masked")
        }
        switch frame.opcode {
        case .connectionClose:
            return close(frame.unmaskedData)
        case .ping:
            return .ping(frame.unmaskedData)
        case .pong:
            return .none
        case .text:
            guard partial == nil else {
                return .fail(code: CloseCode.protocolError, reason: "a new message began before the previous one ended")
            }
            guard frame.length <= maximumMessageBytes else { return tooBig() }
            let data = frame.unmaskedData
            var validator = UTF8Validator()
            guard validator.feed(data) else { return .fail(code: CloseCode.invalidPayload, reason: "text is not valid UTF-8") }
            if frame.fin {
                guard validator.isComplete else { return .fail(code: CloseCode.invalidPayload, reason: "text is not valid UTF-8") }
                return .text(data)
            }
            partial = .text(data, validator)
            return .none
        case .binary:
            guard partial == nil else {
                return .fail(code: CloseCode.protocolError, reason: "a new message began before the previous one ended")
            }
            guard frame.length <= maximumMessageBytes else { return tooBig() }
            if frame.fin { return .binary(frame.unmaskedData) }
            partial = .binary(frame.unmaskedData)
            return .none
        case .continuation:
            return continuation(frame)
        default:
            return .fail(code: CloseCode.protocolError, reason: "reserved opcode")
        }
    }

    private mutating func continuation(_ frame: WebSocketFrame) -> Action {
        guard let current = partial else {
            return .fail(code: CloseCode.protocolError, reason: "continuation frame without a message to continue")
        }
        partial = nil  // keep the buffer uniquely referenced while appending
        switch current {
        case .text(var buffer, var validator):
            guard buffer.readableBytes + frame.length <= maximumMessageBytes else { return tooBig() }
            var data = frame.unmaskedData
            guard validator.feed(data) else { return .fail(code: CloseCode.invalidPayload, reason: "text is not valid UTF-8") }
            buffer.writeBuffer(&data)
            if frame.fin {
                guard validator.isComplete else { return .fail(code: CloseCode.invalidPayload, reason: "text is not valid UTF-8") }
                return .text(buffer)
            }
            partial = .text(buffer, validator)
        case .binary(var buffer):
            guard buffer.readableBytes + frame.length <= maximumMessageBytes else { return tooBig() }
            var data = frame.unmaskedData
            buffer.writeBuffer(&data)
            if frame.fin { return .binary(buffer) }
            partial = .binary(buffer)
        }
        return .none
    }

    private mutating func close(_ payload: ByteBuffer) -> Action {
        var payload = payload
        switch payload.readableBytes {
        case 0:
            return .close(code: nil)
        case 1:
            return .fail(code: CloseCode.protocolError, reason: "close frame with a one-byte payload")
        default:
            guard let code = payload.readInteger(as: UInt16.self), Self.isValidCloseCode(code) else {
                return .fail(code: CloseCode.protocolError, reason: "invalid close code")
            }
            guard UTF8Validator.isValid(payload) else {
                return .fail(code: CloseCode.invalidPayload, reason: "close reason is not valid UTF-8")
            }
            return .close(code: code)
        }
    }

    private mutating func tooBig() -> Action {
        partial = nil
        return .fail(code: CloseCode.messageTooBig, reason: "message larger than \(maximumMessageBytes) bytes")
    }

    /// Codes a peer may send in a close frame: 1000–1003, 1007–1014 and 3000–4999.
    public static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
