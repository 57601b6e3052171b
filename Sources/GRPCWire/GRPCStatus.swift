/// A gRPC status code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
public struct GRPCStatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public static let ok = Self(rawValue: 0)
    public static let cancelled = Self(rawValue: 1)
    public static let unknown = Self(rawValue: 2)
    public static let invalidArgument = Self(rawValue: 3)
    public static let deadlineExceeded = Self(rawValue: 4)
    public static let notFound = Self(rawValue: 5)
    public static let alreadyExists = Self(rawValue: 6)
    public static let permissionDenied = Self(rawValue: 7)
    public static let resourceExhausted = Self(rawValue: 8)
    public static let failedPrecondition = Self(rawValue: 9)
    public static let aborted = Self(rawValue: 10)
    public static let outOfRange = Self(rawValue: 11)
    public static let unimplemented = Self(rawValue: 12)
    public static let `internal` = Self(rawValue: 13)
    public static let unavailable = Self(rawValue: 14)
    public static let dataLoss = Self(rawValue: 15)
    public static let unauthenticated = Self(rawValue: 16)

    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ]

    /// The code's canonical name ("NOT_FOUND").
    public var description: String {
        Self.names.indices.contains(rawValue) ? Self.names[rawValue] : "CODE_\(rawValue)"
    }

    /// Parses a `grpc-status` value; a malformed or out-of-range value is UNKNOWN, as the spec says.
    public init(headerValue: some StringProtocol) {
        if let value = Int(headerValue), (0...16).contains(value) {
            self.init(rawValue: value)
        } else {
            self = .unknown
        }
    }
}

/// The final status of an RPC: a code, a human-readable message and trailing metadata.
public struct GRPCStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: GRPCStatusCode
    public var message: String

    public init(code: GRPCStatusCode, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = GRPCStatus(code: .ok)

    public var description: String {
        message.isEmpty ? code.description : "\(code): \(message)"
    }
}

/// The error an RPC fails with, on either side: thrown by a handler to end its RPC with a status,
/// and thrown by a client call when the server's status is not OK.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: GRPCStatusCode
    public var message: String
    /// Trailing metadata sent with (or received with) the status.
    public var metadata: Metadata

    public init(_ code: GRPCStatusCode, _ message: String, metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public var status: GRPCStatus {
        GRPCStatus(code: code, message: message)
    }

    public var description: String {
        message.isEmpty ? "\(code)" : "\(code): \(message)"
    }
}

extension GRPCStatus {
    /// Most UTF-8 bytes of a status message a server sends. The message travels percent-encoded
    /// (up to 3 bytes per byte) in the trailers, which clients accept up to their
    /// SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB here, 8 KiB in gRPC's own clients) and HTTP/2 can
    /// send up to 64 KiB: a handler quoting what a client sent must not make its answer
    /// impossible to deliver.
    public static let maximumMessageBytes = 1024

    /// The message cut to ``maximumMessageBytes`` at a character boundary, "…" marking the cut.
    public var messageForWire: String {
        guard message.utf8.count > Self.maximumMessageBytes else { return message }
        var bytes = 0
        var kept = ""
        for character in message {
            bytes += character.utf8.count
            if bytes > Self.maximumMessageBytes { break }
            kept.append(character)
        }
        return kept + "…"
    }
}
