package import CProtobufC

/// A Swift message type backed by a protobuf-c generated C struct. Generated code conforms; the
/// conformance is package-internal, so no C type leaks into a public API.
package protocol ProtobufCConvertible {
    associatedtype CMessage

    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }
    static func cUnpack(_ length: Int, _ bytes: UnsafePointer<UInt8>) -> UnsafeMutablePointer<CMessage>?
    static func cFree(_ message: UnsafeMutablePointer<CMessage>)
    static func cPackedSize(_ message: UnsafePointer<CMessage>) -> Int
    static func cPack(_ message: UnsafePointer<CMessage>, _ out: UnsafeMutablePointer<UInt8>) -> Int

    /// Copies everything out of a C message (which the caller frees afterwards).
    init(cMessage: UnsafePointer<CMessage>)
    /// Fills a C message whose memory, and that of everything it points to, lives in `arena`.
    func fill(_ cMessage: UnsafeMutablePointer<CMessage>, arena: ProtobufCArena)
}

/// Limits on what the decoder accepts from a peer.
public enum ProtobufCLimits {
    /// How deeply messages may nest. protobuf-c itself has no limit and unpacks recursively, so
    /// hostile input could otherwise exhaust the stack; the validator enforces this bound before
    /// protobuf-c sees the bytes. (The same default as Google's protobuf implementations.)
    public static let maximumNestingDepth = 100
}

/// Why bytes could not be decoded as a message.
public struct ProtobufCDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let messageName: String
    public let reason: String

    public var description: String { "invalid \(messageName): \(reason)" }
}
