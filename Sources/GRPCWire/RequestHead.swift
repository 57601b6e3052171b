#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A gRPC request's headers, validated.
public struct GRPCRequestHead: Sendable {
    public var path: String
    /// The method the path names ("/service/method"), nil if it is malformed. Parsed on demand:
    /// the server routes by the whole path.
    public var method: MethodDescriptor? { MethodDescriptor(path: path) }
    public var authority: String
    /// Custom metadata only: reserved headers (pseudo-headers, content-type, te, grpc-*) removed.
    public var metadata: Metadata
    /// The client's timeout; nil when it sent none or one longer than a server honours.
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
        validate(StringHeaderFields(headers: headers))
    }

    /// Checks request headers given as bytes. Names are classified on the bytes; only the values
    /// the head keeps (path, authority, user agent, timeout, custom metadata) become strings.
    public static func validate(_ fields: some RequestHeaderFields) -> Validation {
        var method: String?
        var methodIsPOST = false
        var path: String?
        var authority = ""
        var contentType: String?
        var contentTypeIsGRPC = false
        var timeoutValue: String?
        var encoding: String?
        var userAgent = ""
        var metadata = Metadata()
        fields.forEachField { name, value in
            switch RequestHeaderName(name) {
            case .method:
                methodIsPOST = value.equals("POST")
                method = methodIsPOST ? nil : fields.string(value)
            case .path: path = fields.string(value)
            case .authority: authority = fields.string(value)
            case .contentType:
                contentTypeIsGRPC = isGRPCContentType(value)
                contentType = contentTypeIsGRPC ? nil : fields.string(value)
            case .timeout: timeoutValue = fields.string(value)
            case .encoding: encoding = value.equals("identity") ? nil : fields.string(value)
            case .userAgent: userAgent = fields.string(value)
            case .otherReserved: break
            case .custom: metadata.addWireHeader(name: fields.string(name), value: fields.string(value))
            }
        }
        guard methodIsPOST else {
            return .rejectHTTP(status: 405, message: "gRPC requires POST, got \(method ?? "no method")")
        }
        guard contentTypeIsGRPC else {
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
            // A valid but huge timeout (up to 99999999H) means "no deadline", never an overflow.
            timeout = parsed.isHonoured ? parsed : nil
        }
        if let encoding {
            return .rejectGRPC(
                GRPCStatus(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported"),
                extraHeaders: [("grpc-accept-encoding", "identity")]
            )
        }
        return .accepted(
            GRPCRequestHead(
                path: path ?? "",
                authority: authority,
                metadata: metadata,
                timeout: timeout,
                userAgent: userAgent
            )
        )
    }

    /// `application/grpc`, optionally followed by `+format` or `;parameters`.
    public static func isGRPCContentType(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isGRPCContentType(UnsafeRawBufferPointer($0)) }
    }

    static func isGRPCContentType(_ value: UnsafeRawBufferPointer) -> Bool {
        let prefix: StaticString = "application/grpc"
        let prefixCount = prefix.utf8CodeUnitCount
        guard value.count >= prefixCount, UnsafeRawBufferPointer(rebasing: value[0..<prefixCount]).equals(prefix) else {
            return false
        }
        guard value.count > prefixCount else { return true }
        let rest = UnsafeRawBufferPointer(rebasing: value[prefixCount...])
        if rest[0] == UInt8(ascii: ";") { return true }
        guard rest[0] == UInt8(ascii: "+") else { return false }
        let format = rest.dropFirst().prefix { $0 != UInt8(ascii: ";") }
        return format.elementsEqual("proto".utf8)
    }
}

/// Request header fields as the HTTP/2 layer received them: bytes, in order.
public protocol RequestHeaderFields {
    /// Calls `body` with each field's name and value bytes (valid only during the call).
    func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void)
    /// The bytes of a field as a string (a source may hand out the same string for a value it
    /// saw before).
    func string(_ bytes: UnsafeRawBufferPointer) -> String
}

/// Header fields given as strings (tests, tools).
struct StringHeaderFields: RequestHeaderFields {
    let headers: [(name: String, value: String)]

    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        for (name, value) in headers {
            var name = name
            var value = value
            name.withUTF8 { nameBytes in
                value.withUTF8 { valueBytes in
                    body(UnsafeRawBufferPointer(nameBytes), UnsafeRawBufferPointer(valueBytes))
                }
            }
        }
    }

    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// The request header names the server interprets. Every field of every call is classified, so
/// names are told apart by length first and compared as bytes.
enum RequestHeaderName {
    case method, path, authority, contentType, timeout, encoding, userAgent
    /// Reserved by HTTP/2 or gRPC but not needed here (`:scheme`, `te`, …).
    case otherReserved
    case custom

    init(_ name: UnsafeRawBufferPointer) {
        if name.first == UInt8(ascii: ":") {
            switch name.count {
            case 5 where name.equals(":path"): self = .path
            case 7 where name.equals(":method"): self = .method
            case 10 where name.equals(":authority"): self = .authority
            default: self = .otherReserved
            }
            return
        }
        // The other names of `Metadata.isReserved` by bytes too: a custom header (`authorization`
        // on every call with a token) is told apart without building a string and comparing it
        // with each reserved name.
        switch name.count {
        case 2 where name.equals("te"): self = .otherReserved
        case 4 where name.equals("host"): self = .authority
        case 10 where name.equals("user-agent"): self = .userAgent
        case 10 where name.equals("connection"): self = .otherReserved
        case 11 where name.equals("grpc-status"): self = .otherReserved
        case 12 where name.equals("content-type"): self = .contentType
        case 12 where name.equals("grpc-timeout"): self = .timeout
        case 12 where name.equals("grpc-message"): self = .otherReserved
        case 13 where name.equals("grpc-encoding"): self = .encoding
        case 14 where name.equals("content-length"): self = .otherReserved
        case 15 where name.equals("accept-encoding"): self = .otherReserved
        case 17 where name.equals("transfer-encoding"): self = .otherReserved
        case 20 where name.equals("grpc-accept-encoding"): self = .otherReserved
        case 23 where name.equals("grpc-status-details-bin"): self = .otherReserved
        default: self = .custom
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are exactly the literal's UTF-8.
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        guard let baseAddress else { return true }
        return memcmp(baseAddress, literal.utf8Start, count) == 0
    }
}
