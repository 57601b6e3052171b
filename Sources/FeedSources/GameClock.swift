import CourtsideDomain
import CourtsideJSON
import CourtsideProto

/// Game-clock arithmetic and the clock formats providers send.
///
/// Accepted clock texts (surrounding spaces are ignored):
/// - ISO-8601 durations as in NBA live data: `PT11M58.00S`, `PT00M35.00S`, `PT45.2S`;
/// - minutes and seconds as in ESPN and Sportradar: `5:41`, `05:41`, `12:00`, `0:04.5`;
/// - seconds only, as ESPN shows the last minute: `42.1`, `0.0`.
public enum GameClock {
    /// The highest period number an adapter accepts (a sanity bound: the longest NBA game had 6
    /// overtimes, period 10).
    public static let maximumPeriod: Int64 = 20

    /// The length of an NBA regulation period (periods 1–4): 12 minutes
    /// (``PeriodRules/twelveMinuteQuarters``; other leagues: ``periodLengthMs(_:leagueID:)``).
    public static let regulationPeriodMs: UInt32 = PeriodRules.twelveMinuteQuarters.regulationPeriodMs

    /// The length of an overtime period (5 and up): 5 minutes.
    public static let overtimePeriodMs: UInt32 = PeriodRules.overtimeMs

    /// The number of regulation periods of the leagues that play quarters.
    public static let regulationPeriods: UInt32 = PeriodRules.twelveMinuteQuarters.regulationPeriods

    /// The clock at the start of `period` of an NBA game (period 0, before tip-off, counts as
    /// regulation).
    public static func periodLengthMs(_ period: UInt32) -> UInt32 {
        PeriodRules.twelveMinuteQuarters.lengthMs(ofPeriod: period)
    }

    /// The clock at the start of `period` of a game of `leagueID`, as ``PeriodRules`` has it:
    /// 12-minute quarters in the NBA and the G League (and for "", a game of no known league),
    /// 10-minute quarters in the WNBA and women's college, 20-minute halves in men's college,
    /// 5-minute overtimes everywhere. It bounds a provider's clock (``JSONNode/clockMs(period:leagueID:)``).
    public static func periodLengthMs(_ period: UInt32, leagueID: String) -> UInt32 {
        PeriodRules.forLeague(leagueID).lengthMs(ofPeriod: period)
    }

    /// Game time played from tip-off to the moment `clockMs` is left in `period` (NBA periods).
    public static func elapsedMs(period: UInt32, clockMs: UInt32) -> Int64 {
        PeriodRules.twelveMinuteQuarters.elapsedMs(period: period, clockMs: clockMs)
    }

    /// Parses a clock text into milliseconds left, or nil when it is empty or not a clock.
    /// Read as UTF-8 bytes (every accepted character is ASCII): it runs once per play.
    public static func parse(_ text: String) -> UInt32? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var start = 0
        var end = bytes.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        if start == end { return nil }
        let text = bytes[start..<end]
        if text.count >= 2, text[start] == UInt8(ascii: "P"), text[start + 1] == UInt8(ascii: "T") {
            return parseISODuration(text[(start + 2)...])
        }
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else {
            guard let seconds = seconds(text) else { return nil }
            return milliseconds(minutes: 0, seconds: seconds)
        }
        let after = text[(colon + 1)...]
        guard !after.contains(UInt8(ascii: ":")), let minutes = wholeNumber(text[..<colon]), let seconds = seconds(after), seconds < 60
        else { return nil }
        return milliseconds(minutes: minutes, seconds: seconds)
    }

    /// `11M58.00S`, `45.2S`, `12M` (after the `PT`).
    private static func parseISODuration(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
        guard !text.isEmpty else { return nil }
        var minutes = 0
        var rest = text
        if let m = rest.firstIndex(of: UInt8(ascii: "M")) {
            guard let value = wholeNumber(rest[..<m]) else { return nil }
            minutes = value
            rest = rest[(m + 1)...]
        }
        if rest.isEmpty { return milliseconds(minutes: minutes, seconds: 0) }
        guard rest.last == UInt8(ascii: "S"), let seconds = seconds(rest.dropLast()) else { return nil }
        return milliseconds(minutes: minutes, seconds: seconds)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// One to four ASCII digits.
    private static func wholeNumber(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy(isDigit) else { return nil }
        return text.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// One to eight ASCII digits and dots that make a decimal number.
    private static func seconds(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Double? {
        guard !text.isEmpty, text.count <= 8, text.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) else { return nil }
        if let thousandths = exactThousandths(text) { return Double(thousandths) / 1000 }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// `digits` or `digits.d`, `digits.dd`, `digits.ddd` (every clock providers send) in
    /// thousandths, without a `String` and `Double(_:)` per play; nil for any other text (read
    /// by `Double(_:)`). At most eight bytes, so no overflow.
    private static func exactThousandths(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        var whole = 0
        var index = text.startIndex
        while index < text.endIndex, isDigit(text[index]) {
            whole = whole &* 10 &+ Int(text[index] &- UInt8(ascii: "0"))
            index += 1
        }
        guard index > text.startIndex else { return nil }
        if index == text.endIndex { return whole &* 1000 }
        guard text[index] == UInt8(ascii: "."), text.endIndex - index >= 2, text.endIndex - index <= 4 else { return nil }
        var fraction = 0
        var scale = 100
        index += 1
        while index < text.endIndex {
            guard isDigit(text[index]) else { return nil }
            fraction = fraction &+ Int(text[index] &- UInt8(ascii: "0")) &* scale
            scale /= 10
            index += 1
        }
        return whole &* 1000 &+ fraction
    }

    private static func milliseconds(minutes: Int, seconds: Double) -> UInt32? {
        let total = (Double(minutes) * 60 + seconds) * 1000
        guard total <= Double(regulationPeriodMs) * 10 else { return nil }
        return UInt32(total.rounded())
    }
}

extension GameClock {
    /// A clock's raw bytes read as ``JSONNode/clockMs(period:leagueID:)`` reads them when they
    /// are a clock within the period's length (nearly every clock); nil otherwise.
    static func plainClockMs(_ bytes: UnsafeBufferPointer<UInt8>, period: UInt32, leagueID: String) -> UInt32? {
        guard let clock = parse(bytes: bytes), clock <= periodLengthMs(period, leagueID: leagueID) else { return nil }
        return clock
    }
}

extension JSONNode {
    /// The game clock at this node for `period` of a game of `leagueID`: nil when absent or empty
    /// (the caller decides what an unknown clock means); an error when it is not a clock or
    /// exceeds the period's length (``GameClock/periodLengthMs(_:leagueID:)``).
    func clockMs(period: UInt32, leagueID: String = "") throws(FeedError) -> UInt32? {
        // A clock string without escapes (nearly every one) is read from the payload's bytes;
        // anything this does not accept is read below, which also words the failure.
        if let fromBytes = withRawBytes({ GameClock.plainClockMs($0, period: period, leagueID: leagueID) }), let clock = fromBytes {
            return clock
        }
        let text: String
        switch kind {
        case nil, .null?:
            return nil
        case .string?:
            text = document.string(index)
        case .number? where numberValue.map({ $0.double.isFinite && $0.double >= 0 }) ?? false:
            let seconds = numberValue ?? JSONNumber(0)
            // ESPN scoreboards carry `status.clock` as seconds left.
            text = String(seconds.double)
        default:
            throw failure("expected a game clock, found \(found)")
        }
        if text.trimmingASCIIWhitespace().isEmpty { return nil }
        guard let clock = GameClock.parse(text) else {
            throw failure("unreadable game clock \(Excerpt.quoted(text))")
        }
        guard clock <= GameClock.periodLengthMs(period, leagueID: leagueID) else {
            throw failure("clock \(Excerpt.quoted(text.trimmingASCIIWhitespace())) is longer than period \(period)")
        }
        return clock
    }
}
