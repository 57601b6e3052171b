public import CourtsideProto
import CourtsideRPC
public import GRPC

/// The end of a stream whose subscriber fell too far behind.
public enum SlowSubscriber {
    /// The trailer that carries a `ResumeCursors` with the positions the subscriber has.
    public static let resumeTrailer = "courtside-resume-bin"

    /// RESOURCE_EXHAUSTED with the positions to resume from in `courtside-resume-bin`.
    public static func error(capacity: Int, cursors: [GameCursor]) -> RPCError {
        var trailer = Metadata()
        if let bytes = try? ResumeCursors(cursors: cursors).serializedBytes() {
            trailer.addBinary(bytes, forKey: resumeTrailer)
        }
        return RPCError(
            .resourceExhausted,
            "the subscriber fell more than \(capacity) events behind; resume from the positions in the \(resumeTrailer) trailer",
            metadata: trailer
        )
    }

    /// The positions a RESOURCE_EXHAUSTED from `error(capacity:cursors:)` carries (nil when the
    /// error has no readable `courtside-resume-bin` trailer).
    public static func resumeCursors(in error: RPCError) -> ResumeCursors? {
        guard let bytes = error.metadata[binaryValues: resumeTrailer].first else { return nil }
        return bytes.withUnsafeBytes { try? ResumeCursors(serializedBytes: $0) }
    }
}
