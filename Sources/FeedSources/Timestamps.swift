/// Reading providers' timestamps and naming a game's calendar date, without Foundation's
/// formatters (whose ISO-8601 options differ between platforms and releases).
enum Timestamps {
    /// Milliseconds since the Unix epoch for an ISO-8601 date-time, or nil when unreadable.
    ///
    /// Accepts what the providers send: `2020-12-23T00:06:19.0Z`, `2024-01-09T00:10:36Z`,
    /// `2016-01-29T01:10:35+00:00`, `2020-12-22T19:00:00-05:00` and ESPN's seconds-less
    /// `2025-05-30T00:00Z`. A time without a zone is taken as UTC.
    static func parseISO8601(_ text: String) -> Int64? {
        let bytes = Array(text.trimmingASCIIWhitespace().utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        guard expect(0x54) || expect(0x20) else { return nil }  // 'T' or ' '
        guard let hour = number(2), expect(0x3A), let minute = number(2), hour < 24, minute < 60 else { return nil }
        var second = 0
        var millis = 0
        if expect(0x3A) {
            guard let value = number(2), value < 61 else { return nil }
            second = value
            if expect(0x2E) {  // '.'
                var scale = 100
                var digits = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    millis += Int(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                    digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offsetMinutes = 0
        if index < bytes.count {
            if expect(0x5A) {  // 'Z'
            } else if bytes[index] == 0x2B || bytes[index] == 0x2D {  // '+' '-'
                let sign = bytes[index] == 0x2D ? -1 : 1
                index += 1
                guard let hours = number(2) else { return nil }
                _ = expect(0x3A)
                guard let minutes = number(2), hours < 24, minutes < 60 else { return nil }
                offsetMinutes = sign * (hours * 60 + minutes)
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// The calendar date of an instant in US Eastern time, "YYYY-MM-DD": the date the NBA
    /// schedules a game under (its game codes use it), whichever time zone the arena is in.
    ///
    /// Uses the US daylight-saving rules in force since 2007 (second Sunday of March to first
    /// Sunday of November, switching at 02:00 local).
    static func easternDate(utcMillis: Int64) -> String {
        let utcSeconds = floorDivide(utcMillis, 1000)
        let offsetHours: Int64 = isEasternDaylightTime(utcSeconds: utcSeconds) ? -4 : -5
        let local = utcSeconds + offsetHours * 3600
        let (year, month, day) = civilFromDays(floorDivide(local, 86_400))
        return formatDate(year: year, month: month, day: day)
    }

    /// "YYYY-MM-DD" for a civil date.
    static func formatDate(year: Int64, month: Int64, day: Int64) -> String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Whether a "YYYY-MM-DD" text names a real calendar date.
    static func isCalendarDate(_ text: String) -> Bool {
        guard text.utf8.count == 10, let millis = parseISO8601(text + "T00:00Z") else { return false }
        let (year, month, day) = civilFromDays(floorDivide(millis / 1000, 86_400))
        return formatDate(year: year, month: month, day: day) == text
    }

    private static func isEasternDaylightTime(utcSeconds: Int64) -> Bool {
        let (year, _, _) = civilFromDays(floorDivide(utcSeconds - 5 * 3600, 86_400))
        // Second Sunday of March, 02:00 EST = 07:00 UTC; first Sunday of November, 02:00 EDT = 06:00 UTC.
        let start = nthSunday(2, month: 3, year: year) * 86_400 + 7 * 3600
        let end = nthSunday(1, month: 11, year: year) * 86_400 + 6 * 3600
        return utcSeconds >= start && utcSeconds < end
    }

    /// The day number of the `n`th Sunday of a month.
    private static func nthSunday(_ n: Int64, month: Int64, year: Int64) -> Int64 {
        let first = Int64(daysFromCivil(year: Int(year), month: Int(month), day: 1))
        let weekday = ((first + 4) % 7 + 7) % 7  // 0 = Sunday; 1970-01-01 was a Thursday
        return first + (7 - weekday) % 7 + (n - 1) * 7
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (inverse of ``daysFromCivil(year:month:day:)``).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension JSONNode {
    /// An ISO-8601 timestamp in ms since the epoch; 0 when absent, null or unreadable (event times
    /// are informative, so a bad one is not worth rejecting a payload for).
    var timestampMs: Int64 {
        guard case .string(let text)? = value else { return 0 }
        return Timestamps.parseISO8601(text) ?? 0
    }
}
