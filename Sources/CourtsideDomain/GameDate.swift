import Foundation

/// The calendar date games are scheduled under: the **US Eastern** date, the NBA's convention
/// (its game codes and every provider's schedule use it, whichever time zone the arena is in).
///
/// Every service names "today" with it, not with its own time zone: servers usually run in UTC,
/// where an evening game in New York is already "tomorrow" from 00:00 UTC on, and the
/// scoreboard would show no games for the evening's last hours.
///
/// Computed without a time-zone database (containers often have none), with the US
/// daylight-saving rules in force since 2007: second Sunday of March to first Sunday of
/// November, switching at 02:00 local.
public enum GameDate {
    /// The game date of an instant, `YYYY-MM-DD`.
    public static func of(utcMillis: Int64) -> String {
        let utcSeconds = floorDivide(utcMillis, 1000)
        let offsetHours: Int64 = isEasternDaylightTime(utcSeconds: utcSeconds) ? -4 : -5
        let local = utcSeconds + offsetHours * 3600
        let (year, month, day) = civilFromDays(floorDivide(local, 86_400))
        return format(year: year, month: month, day: day)
    }

    /// Today's game date, `YYYY-MM-DD`.
    public static func today() -> String {
        of(utcMillis: UnixTime.nowMs())
    }

    /// Whether `text` is exactly `YYYY-MM-DD` and names a day that exists (no 2025-02-29),
    /// proleptic Gregorian, years 0001–9999. Dates are kept as this text everywhere: in this form
    /// text order is date order, so date filters are plain string comparisons (also in SQL).
    public static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ digits: ArraySlice<UInt8>) -> Int? {
            var value = 0
            for byte in digits {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            year >= 1, (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// `YYYY-MM-DD` for a civil date.
    private static func format(year: Int64, month: Int64, day: Int64) -> String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (inverse of ``daysFromCivil(year:month:day:)``).
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    /// Rounds towards negative infinity; written without negating `a`, which traps for Int64.min.
    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return a % b < 0 ? quotient - 1 : quotient
    }
}
