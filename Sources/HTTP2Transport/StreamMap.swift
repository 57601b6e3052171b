/// A map from HTTP/2 stream ids to per-stream state.
///
/// Every frame of every stream looks its stream up, several times per call; `Dictionary` hashes
/// each key with SipHash, which showed up in the unary-call profile. Stream ids are distinct
/// positive integers, so an open-addressing table with a multiplicative hash, linear probing
/// and backward-shift deletion (no tombstones) does the same job with a multiply and a mask.
/// Inlinable, so that other modules get it specialised for their value type rather than paying
/// for generic metadata lookups on every call.
public struct StreamMap<Value> {
    @usableFromInline var keys: [Int32] = []
    @usableFromInline var values: [Value?] = []
    @usableFromInline var shift = 0
    @usableFromInline var storedCount = 0

    @inlinable public init() {}

    @inlinable public var count: Int { storedCount }

    @inlinable public var isEmpty: Bool { storedCount == 0 }

    @inlinable public subscript(streamID: Int32) -> Value? {
        get {
            guard let slot = find(streamID) else { return nil }
            return values[slot]
        }
        set {
            if let newValue {
                insert(newValue, for: streamID)
            } else {
                removeValue(forKey: streamID)
            }
        }
    }

    /// The entries, in no particular order (a copy: the map may be changed while iterating).
    @inlinable public var entries: [(streamID: Int32, value: Value)] {
        var result: [(streamID: Int32, value: Value)] = []
        result.reserveCapacity(count)
        for (index, key) in keys.enumerated() where key != 0 {
            result.append((key, values[index]!))
        }
        return result
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey streamID: Int32) -> Value? {
        guard let slot = find(streamID) else { return nil }
        let removed = values[slot]
        var hole = slot
        var next = (slot + 1) & mask
        // Backward shift: move later entries of the probe run into the hole, so that lookups
        // never need tombstones.
        while keys[next] != 0 {
            let home = self.home(keys[next])
            let distanceFromHome = (next - home) & mask
            let distanceToHole = (next - hole) & mask
            if distanceFromHome >= distanceToHole {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        keys[hole] = 0
        values[hole] = nil
        storedCount -= 1
        return removed
    }

    @inlinable public mutating func removeAll() {
        keys = []
        values = []
        shift = 0
        storedCount = 0
    }

    // MARK: Table

    @inlinable var mask: Int { keys.count - 1 }

    @inlinable func home(_ streamID: Int32) -> Int {
        Int((UInt64(UInt32(bitPattern: streamID)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    @inlinable func find(_ streamID: Int32) -> Int? {
        guard count > 0, streamID > 0 else { return nil }
        var slot = home(streamID)
        while true {
            let key = keys[slot]
            if key == streamID { return slot }
            if key == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    @inlinable mutating func insert(_ value: Value, for streamID: Int32) {
        precondition(streamID > 0, "HTTP/2 stream ids of open streams are positive")
        if let slot = find(streamID) {
            values[slot] = value
            return
        }
        if (count + 1) * 2 > keys.count {
            grow()
        }
        var slot = home(streamID)
        while keys[slot] != 0 {
            slot = (slot + 1) & mask
        }
        keys[slot] = streamID
        values[slot] = value
        storedCount += 1
    }

    @inlinable mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let capacity = Swift.max(16, keys.count * 2)
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        shift = 64 - capacity.trailingZeroBitCount
        storedCount = 0
        for (index, key) in oldKeys.enumerated() where key != 0 {
            insert(oldValues[index]!, for: key)
        }
    }
}
