/// A gRPC request's headers, validated.
public struct GRPCRequestHead: Sendable {
    public var path: String
    /// The method the path names ("/service/method"), nil if it is malformed. Parsed on demand:
    /// the server routes by the whole path.
    public var method: MethodDescriptor? { MethodDescriptor(path: path) }
    public var authority: String
    /// Custom metadata only: reserved headers (pseudo-headers, content-type, te, grpc-*) removed.
    public var metadata: Metadata
    public var timeout: GRPCTimeout?
    public var userAgent: String

    /// The outcome of checking request headers against the gRPC over HTTP/2 spec.
    public enum Validation: Sendable {
        case accepted(GRPCRequestHead)
        /// Not a gRPC request at all: answer with a plain HTTP status (405, 415).
        case rejectHTTP(status: Int, message: String)
        /// A gRPC request that fails before any handler runs: answer Trailers-Only.
        case rejectGRPC(GRPCStatus, extraHeaders: [(name: String, value: String)])
    }

    /// Checks the headers of a request as the server receives them.
    public static func validate(headers: [(name: String, value: String)]) -> Validation {
        var method: String?
        var path: String?
        var authority = ""
        var contentType: String?
        var timeoutValue: String?
        var encoding: String?
        var userAgent = ""
        var metadata = Metadata()
        for (name, value) in headers {
            switch RequestHeaderName(name) {
            case .method: method = value
            case .path: path = value
            case .authority: authority = value
            case .contentType: contentType = value
            case .timeout: timeoutValue = value
            case .encoding: encoding = value
            case .userAgent: userAgent = value
            case .otherReserved: continue
            case .custom: metadata.addWireHeader(name: name, value: value)
            }
        }
        guard method == "POST" else {
            return .rejectHTTP(status: 405, message: "gRPC requires POST, got \(method ?? "no method")")
        }
        guard let contentType, isGRPCContentType(contentType) else {
            return .rejectHTTP(
                status: 415,
                message: "unsupported content-type \(contentType.map { "'\($0)'" } ?? "(none)"); expected application/grpc"
            )
        }
        var timeout: GRPCTimeout?
        if let timeoutValue {
            guard let parsed = GRPCTimeout(headerValue: timeoutValue) else {
                return .rejectGRPC(
                    GRPCStatus(code: .internal, message: "malformed grpc-timeout '\(timeoutValue)'"),
                    extraHeaders: []
                )
            }
            timeout = parsed
        }
        if let encoding, encoding != "identity" {
            return .rejectGRPC(
                GRPCStatus(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported"),
                extraHeaders: [("grpc-accept-encoding", "identity")]
            )
        }
        let requestPath = path ?? ""
        return .accepted(
            GRPCRequestHead(
                path: requestPath,
                authority: authority,
                metadata: metadata,
                timeout: timeout,
                userAgent: userAgent
            )
        )
    }

    /// `application/grpc`, optionally followed by `+format` or `;parameters`.
    public static func isGRPCContentType(_ value: String) -> Bool {
        let prefix = "application/grpc"
        if value == prefix { return true }
        guard value.hasPrefix(prefix) else { return false }
        let rest = value.dropFirst(prefix.count)
        guard let next = rest.first else { return true }
        if next == ";" { return true }
        if next == "+" {
            let format = rest.dropFirst().prefix { $0 != ";" }
            return format == "proto"
        }
        return false
    }
}

/// The request header names the server interprets. Every header of every call is classified, so
/// names are told apart by length first and cost about one string comparison each.
enum RequestHeaderName {
    case method, path, authority, contentType, timeout, encoding, userAgent
    /// Reserved by HTTP/2 or gRPC but not needed here (`:scheme`, `te`, …).
    case otherReserved
    case custom

    init(_ name: String) {
        let utf8 = name.utf8
        if utf8.first == UInt8(ascii: ":") {
            switch utf8.count {
            case 5 where name == ":path": self = .path
            case 7 where name == ":method": self = .method
            case 10 where name == ":authority": self = .authority
            default: self = .otherReserved
            }
            return
        }
        switch utf8.count {
        case 2 where name == "te": self = .otherReserved
        case 4 where name == "host": self = .authority
        case 10 where name == "user-agent": self = .userAgent
        case 12 where name == "content-type": self = .contentType
        case 12 where name == "grpc-timeout": self = .timeout
        case 13 where name == "grpc-encoding": self = .encoding
        default: self = Metadata.isReserved(name) ? .otherReserved : .custom
        }
    }
}
