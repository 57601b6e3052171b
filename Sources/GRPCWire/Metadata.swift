/// gRPC metadata: an ordered list of key/value pairs, sent as HTTP/2 headers or trailers.
///
/// Keys are lower-case. A key ending in `-bin` carries binary values, which travel base64-encoded;
/// every other value is printable ASCII text.
public struct Metadata: Hashable, Sendable, Sequence {
    public enum Value: Hashable, Sendable {
        case string(String)
        case binary([UInt8])
    }

    public typealias Element = (key: String, value: Value)

    private var storage: [Entry] = []

    fileprivate struct Entry: Hashable, Sendable {
        var key: String
        var value: Value
    }

    public init() {}

    /// Text metadata from key/value pairs.
    public init(_ pairs: [(String, String)]) {
        for (key, value) in pairs {
            addString(value, forKey: key)
        }
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func addString(_ value: String, forKey key: String) {
        storage.append(Entry(key: key.lowercased(), value: .string(value)))
    }

    public mutating func addBinary(_ value: [UInt8], forKey key: String) {
        precondition(key.hasSuffix("-bin"), "binary metadata keys end in -bin")
        storage.append(Entry(key: key.lowercased(), value: .binary(value)))
    }

    /// Every text value for a key.
    public subscript(stringValues key: String) -> [String] {
        let key = key.lowercased()
        return storage.compactMap { entry in
            guard entry.key == key, case .string(let value) = entry.value else { return nil }
            return value
        }
    }

    /// Every binary value for a `-bin` key.
    public subscript(binaryValues key: String) -> [[UInt8]] {
        let key = key.lowercased()
        return storage.compactMap { entry in
            guard entry.key == key, case .binary(let value) = entry.value else { return nil }
            return value
        }
    }

    public func firstString(forKey key: String) -> String? {
        self[stringValues: key].first
    }

    public mutating func removeAll(forKey key: String) {
        let key = key.lowercased()
        storage.removeAll { $0.key == key }
    }

    /// A concrete iterator: an opaque one made every call site look up generic metadata at run time.
    public struct Iterator: IteratorProtocol {
        private var entries: IndexingIterator<[Entry]>

        fileprivate init(_ storage: [Entry]) {
            entries = storage.makeIterator()
        }

        public mutating func next() -> Element? {
            entries.next().map { (key: $0.key, value: $0.value) }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(storage)
    }

    /// Appends every pair of `other`, in order.
    public mutating func append(contentsOf other: Metadata) {
        storage.append(contentsOf: other.storage)
    }

    /// Adds a header as received on the wire: `-bin` values are base64-decoded. Returns false if a
    /// `-bin` value is not valid base64 (the value is then dropped).
    @discardableResult
    public mutating func addWireHeader(name: String, value: String) -> Bool {
        if name.hasSuffix("-bin") {
            // Several values may be joined with commas by intermediaries.
            var ok = true
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = part.trimmingSpaces()
                if let bytes = Base64.decode(trimmed) {
                    storage.append(Entry(key: name, value: .binary(bytes)))
                } else {
                    ok = false
                }
            }
            return ok
        }
        storage.append(Entry(key: name, value: .string(value)))
        return true
    }

    /// The headers to put on the wire: `-bin` values base64-encoded.
    public var wireHeaders: [(name: String, value: String)] {
        storage.map { entry in
            switch entry.value {
            case .string(let value): (entry.key, value)
            case .binary(let bytes): (entry.key, Base64.encode(bytes))
            }
        }
    }

    /// Whether a header name is reserved by HTTP/2 or gRPC and so never part of custom metadata.
    public static func isReserved(_ name: String) -> Bool {
        if name.hasPrefix(":") { return true }
        switch name {
        case "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
            "grpc-status", "grpc-message", "grpc-status-details-bin", "content-length",
            "connection", "transfer-encoding", "user-agent", "host", "accept-encoding":
            return true
        default:
            return false
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> Substring {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return slice
    }
}

extension Metadata {
    /// Appends a value of either kind.
    public mutating func append(key: String, value: Value) {
        switch value {
        case .string(let text): addString(text, forKey: key)
        case .binary(let bytes): addBinary(bytes, forKey: key)
        }
    }
}
