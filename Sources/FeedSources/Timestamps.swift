import CourtsideDomain
import CourtsideJSON
import CourtsideProto

/// Reading providers' timestamps without Foundation's formatters (whose ISO-8601 options differ
/// between platforms and releases). A game's calendar date is ``GameDate``'s.
enum Timestamps {
    /// Milliseconds since the Unix epoch for an ISO-8601 date-time, or nil when unreadable.
    ///
    /// Accepts what the providers send: `2020-12-23T00:06:19.0Z`, `2024-01-09T00:10:36Z`,
    /// `2016-01-29T01:10:35+00:00`, `2020-12-22T19:00:00-05:00` and ESPN's seconds-less
    /// `2025-05-30T00:00Z`. A time without a zone is taken as UTC.
    static func parseISO8601(_ text: String) -> Int64? {
        var trimmed = text.trimmingASCIIWhitespace()
        return trimmed.withUTF8 { parseISO8601(trimmed: $0) }
    }

    /// ``parseISO8601(_:)`` of a text without leading or trailing whitespace.
    static func parseISO8601(trimmed bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = Cursor(bytes: bytes)
        guard let year = cursor.number(4), cursor.expect(0x2D), let month = cursor.number(2), cursor.expect(0x2D),
            let day = cursor.number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        guard cursor.expect(0x54) || cursor.expect(0x20) else { return nil }  // 'T' or ' '
        guard let hour = cursor.number(2), cursor.expect(0x3A), let minute = cursor.number(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        var millis = 0
        if cursor.expect(0x3A) {
            guard let value = cursor.number(2), value < 61 else { return nil }
            second = value
            if cursor.expect(0x2E) {  // '.'
                var scale = 100
                var digits = 0
                while let digit = cursor.digit() {
                    millis += digit * scale
                    scale /= 10
                    digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offsetMinutes = 0
        if !cursor.isAtEnd, !cursor.expect(0x5A) {  // 'Z'
            let sign: Int
            if cursor.expect(0x2B) {  // '+'
                sign = 1
            } else if cursor.expect(0x2D) {  // '-'
                sign = -1
            } else {
                return nil
            }
            guard let hours = cursor.number(2) else { return nil }
            _ = cursor.expect(0x3A)
            guard let minutes = cursor.number(2), hours < 24, minutes < 60 else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard cursor.isAtEnd else { return nil }
        let days = GameDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// A reading position in a timestamp's bytes. A struct with mutating methods rather than
    /// nested functions: a nested function that changes a captured variable makes each access
    /// to it a checked one at run time, which cost more than the parsing here.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        private var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var isAtEnd: Bool { index == bytes.count }

        /// The next byte's value when it is an ASCII digit, moving past it.
        mutating func digit() -> Int? {
            guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
            index += 1
            return Int(bytes[index - 1] - 48)
        }

        /// The value of the next `digits` ASCII digits; nil when they are not (the caller then
        /// refuses the whole text, wherever the cursor stopped).
        mutating func number(_ digits: Int) -> Int? {
            var value = 0
            for _ in 0..<digits {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        /// Moves past the next byte when it is `byte`.
        mutating func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
    }
}

extension Timestamps {
    /// A timestamp's raw bytes read as ``JSONNode/timestampMs`` reads them when there is nothing
    /// to trim around them (nearly every timestamp: 0 when unreadable); nil otherwise.
    static func plainTimestampMs(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        ASCIIWhitespace.surrounds(bytes) ? nil : parseISO8601(trimmed: bytes) ?? 0
    }
}

extension JSONNode {
    /// An ISO-8601 timestamp in ms since the epoch; 0 when absent, null or unreadable (event times
    /// are informative, so a bad one is not worth rejecting a payload for).
    var timestampMs: Int64 {
        // A timestamp with no escapes and nothing to trim (nearly every one) is read from the
        // payload's bytes, without a String.
        if let fromBytes = withRawBytes(Timestamps.plainTimestampMs), let timestamp = fromBytes {
            return timestamp
        }
        guard let text = stringValue else { return 0 }
        return Timestamps.parseISO8601(text) ?? 0
    }
}
