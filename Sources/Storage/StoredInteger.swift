/// Unsigned protocol numbers (positions, epochs) in signed 64-bit columns (SQLite INTEGER,
/// PostgreSQL BIGINT), converted without a trap: `Int64(someUInt64)` would kill the process
/// for a value above `Int64.max`, and `UInt64(someInt64)` for a negative one.
public enum StoredInteger {
    /// A value about to be written; throws when the column cannot hold it.
    public static func column(_ value: UInt64, _ what: String) throws -> Int64 {
        guard let stored = Int64(exactly: value) else {
            throw StoredIntegerError(description: "\(what) \(value) does not fit a signed 64-bit column")
        }
        return stored
    }

    /// A value read back; throws when it is negative (the row was not written by this code).
    public static func unsigned(_ value: Int64, _ what: String) throws -> UInt64 {
        guard let unsigned = UInt64(exactly: value) else {
            throw StoredIntegerError(description: "stored \(what) \(value) is negative")
        }
        return unsigned
    }

    /// A bound of a range query (`seq > ?`, `seq < ?`): stored values never exceed
    /// `Int64.max`, so clamping keeps the query's meaning.
    public static func bound(_ value: UInt64) -> Int64 {
        Int64(clamping: value)
    }
}

/// A number that cannot be stored, or a stored number that cannot be what the column holds.
public struct StoredIntegerError: Error, CustomStringConvertible {
    public let description: String
}
