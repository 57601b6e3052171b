internal import CNGHTTP2

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Headers to send: a list, or a prebuilt block (laid out once, reused for every stream) with
/// optional extra fields after it.
public enum HTTP2Headers: Sendable {
    case list(HTTP2HeaderList)
    case prebuilt(HTTP2HeaderBlock, extra: HTTP2HeaderList)
}

/// A header block laid out once in the form nghttp2 takes, for fields sent on most streams
/// (":status: 200", "content-type: application/grpc", "grpc-status: 0").
public final class HTTP2HeaderBlock: @unchecked Sendable {
    // @unchecked: the storage is written once in init and only read afterwards.
    public let headers: HTTP2HeaderList
    private let storage: HeaderStorage

    public init(_ headers: HTTP2HeaderList) {
        self.headers = headers
        self.storage = HeaderStorage(headers)
    }

    deinit {
        storage.deallocate()
    }

    var nameValues: UnsafePointer<nghttp2_nv> { storage.nameValues }
    var count: Int { storage.count }
}

/// Names, values and nghttp2_nv entries in one allocation.
struct HeaderStorage {
    let bytes: UnsafeMutableRawPointer
    let count: Int

    init(_ headers: HTTP2HeaderList) {
        count = headers.count
        let entriesSize = MemoryLayout<nghttp2_nv>.stride * max(count, 1)
        let textSize = headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        bytes = UnsafeMutableRawPointer.allocate(byteCount: entriesSize + max(textSize, 1), alignment: MemoryLayout<nghttp2_nv>.alignment)
        let entries = bytes.bindMemory(to: nghttp2_nv.self, capacity: max(count, 1))
        var text = (bytes + entriesSize).assumingMemoryBound(to: UInt8.self)
        for (index, header) in headers.enumerated() {
            let name = text
            text = Self.copy(header.name, to: text)
            let value = text
            text = Self.copy(header.value, to: text)
            entries[index] = nghttp2_nv(
                name: name, value: value, namelen: header.name.utf8.count, valuelen: header.value.utf8.count,
                flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)
            )
        }
    }

    private static func copy(_ string: String, to destination: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var string = string
        return string.withUTF8 { utf8 in
            if let base = utf8.baseAddress { destination.update(from: base, count: utf8.count) }
            return destination + utf8.count
        }
    }

    var nameValues: UnsafePointer<nghttp2_nv> {
        UnsafePointer(bytes.assumingMemoryBound(to: nghttp2_nv.self))
    }

    func deallocate() {
        bytes.deallocate()
    }
}

/// Decodes received header names and values into `String`s, reusing the strings of recent
/// long values. Strings of up to 15 UTF-8 bytes are stored inline and cost no allocation; longer
/// ones (`:path`, `user-agent`, `content-type: application/grpc`) repeat on nearly every request
/// of a connection, so each session keeps the last few and hands out the same storage again.
struct HeaderStringCache {
    private static let capacity = 8
    private var recent: [String] = []
    private var nextSlot = 0

    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > 15, let base = bytes.baseAddress else {
            return String(decoding: bytes, as: UTF8.self)
        }
        for candidate in recent where candidate.utf8.count == bytes.count {
            let same = candidate.utf8.withContiguousStorageIfAvailable { stored in
                memcmp(stored.baseAddress!, base, bytes.count) == 0
            }
            if same == true { return candidate }
        }
        let string = String(decoding: bytes, as: UTF8.self)
        if recent.count < Self.capacity {
            recent.append(string)
        } else {
            recent[nextSlot] = string
            nextSlot = (nextSlot + 1) % Self.capacity
        }
        return string
    }
}

/// The fields of one received HEADERS block, as bytes.
///
/// The session fills one instance per connection and hands it to its delegate for the length of
/// one call: a server reads the few fields it interprets straight from the bytes and turns only
/// what it keeps into `String`s, instead of building a string pair for every field of every
/// request. Contents are replaced by the next block, so never keep it past the call.
///
/// A block is held only up to `sizeLimit` (RFC 9113 §6.5.2 counting: name + value + 32 bytes
/// per field); the fields past it are dropped and `exceedsSizeLimit` tells the receiver to
/// refuse the stream. The storage a large block grew is given back when the next block starts.
public final class HTTP2ReceivedHeaders {
    private struct Field {
        var nameStart: Int
        var nameCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    /// What the storage starts with and shrinks back to: enough for any ordinary request.
    static let baseCapacity = 512
    static let baseFieldCapacity = 16

    /// The names and values, back to back (grown by doubling, shrunk after a large block).
    private var bytes: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private var used = 0
    private var fields: [Field] = []
    private var strings = HeaderStringCache()
    /// The block's size as RFC 9113 counts it, including fields that were dropped.
    private(set) var listSize = 0
    /// Largest header list held (SETTINGS_MAX_HEADER_LIST_SIZE as we advertise it).
    let sizeLimit: Int

    init(sizeLimit: Int = Int(UInt32.max)) {
        self.sizeLimit = sizeLimit
        capacity = Self.baseCapacity
        bytes = .allocate(byteCount: capacity, alignment: 1)
        fields.reserveCapacity(Self.baseFieldCapacity)
    }

    deinit {
        bytes.deallocate()
    }

    public var count: Int { fields.count }

    /// The peer sent more than `sizeLimit`: the fields held are incomplete, refuse the stream.
    public var exceedsSizeLimit: Bool { listSize > sizeLimit }

    /// Calls `body` with each field's name and value bytes, in order.
    public func forEach(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) rethrows {
        for field in fields {
            try body(
                UnsafeRawBufferPointer(start: bytes + field.nameStart, count: field.nameCount),
                UnsafeRawBufferPointer(start: bytes + field.valueStart, count: field.valueCount)
            )
        }
    }

    /// Decodes received bytes, reusing the strings of the connection's recent long values.
    public func string(_ bytes: UnsafeRawBufferPointer) -> String {
        strings.string(bytes)
    }

    /// Every field as strings.
    public var list: HTTP2HeaderList {
        var list: HTTP2HeaderList = []
        list.reserveCapacity(fields.count)
        forEach { name, value in list.append((string(name), string(value))) }
        return list
    }

    /// Empties the block for the next one, giving back the memory a large block took.
    func removeAll() {
        used = 0
        listSize = 0
        if capacity > Self.baseCapacity * 8 {
            bytes.deallocate()
            capacity = Self.baseCapacity
            bytes = .allocate(byteCount: capacity, alignment: 1)
        }
        if fields.capacity > Self.baseFieldCapacity * 8 {
            fields = []
            fields.reserveCapacity(Self.baseFieldCapacity)
        } else {
            fields.removeAll(keepingCapacity: true)
        }
    }

    func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        // Counted with saturation: the sizes come from the peer (each under 64 KiB in nghttp2,
        // but a block may repeat fields without end).
        let fieldSize = name.count + value.count + 32
        listSize = listSize > sizeLimit ? listSize : listSize + fieldSize
        guard listSize <= sizeLimit else { return }
        let needed = used + name.count + value.count
        if needed > capacity {
            var newCapacity = capacity * 2
            while newCapacity < needed { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
            grown.copyMemory(from: bytes, byteCount: used)
            bytes.deallocate()
            bytes = grown
            capacity = newCapacity
        }
        let nameStart = used
        if let base = name.baseAddress { (bytes + used).copyMemory(from: base, byteCount: name.count) }
        used += name.count
        let valueStart = used
        if let base = value.baseAddress { (bytes + used).copyMemory(from: base, byteCount: value.count) }
        used += value.count
        fields.append(Field(nameStart: nameStart, nameCount: name.count, valueStart: valueStart, valueCount: value.count))
    }
}

@available(*, unavailable)
extension HTTP2ReceivedHeaders: Sendable {}
