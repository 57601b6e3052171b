import CourtsideProto

/// How a league's game is divided in time: the one place that knows period lengths.
///
/// | League | Regulation | Overtime |
/// |---|---|---|
/// | NBA, G League (and any league not listed) | 4 quarters of 12 minutes | 5 minutes |
/// | WNBA, NCAA women | 4 quarters of 10 minutes | 5 minutes |
/// | NCAA men | 2 halves of 20 minutes | 5 minutes |
///
/// Periods are numbered from 1; the periods after regulation are overtimes (period 5 after NBA
/// quarters, period 3 after men's college halves). Period 0 (before tip-off) counts as the
/// first regulation period. A clock is the time left in the period, so it fits a period when
/// it is at most the period's length (``clockFits(_:period:)``).
public struct PeriodRules: Sendable, Hashable {
    /// Regulation periods: 4 quarters, or 2 halves.
    public let regulationPeriods: UInt32
    /// The length of a regulation period.
    public let regulationPeriodMs: UInt32
    /// The length of an overtime period.
    public let overtimePeriodMs: UInt32

    public init(regulationPeriods: UInt32, regulationPeriodMs: UInt32, overtimePeriodMs: UInt32 = PeriodRules.overtimeMs) {
        self.regulationPeriods = regulationPeriods
        self.regulationPeriodMs = regulationPeriodMs
        self.overtimePeriodMs = overtimePeriodMs
    }

    /// Every league's overtime: 5 minutes.
    public static let overtimeMs: UInt32 = 300_000

    /// Four 12-minute quarters (the NBA, the G League).
    public static let twelveMinuteQuarters = PeriodRules(regulationPeriods: 4, regulationPeriodMs: 720_000)
    /// Four 10-minute quarters (the WNBA, NCAA women).
    public static let tenMinuteQuarters = PeriodRules(regulationPeriods: 4, regulationPeriodMs: 600_000)
    /// Two 20-minute halves (NCAA men).
    public static let twentyMinuteHalves = PeriodRules(regulationPeriods: 2, regulationPeriodMs: 1_200_000)

    /// The rules of a league by id; "" (a game or team stored before leagues existed) and any
    /// league not listed play as the NBA does.
    public static func forLeague(_ leagueID: String) -> PeriodRules {
        switch leagueID {
        case Leagues.wnba.id, Leagues.womensCollege.id: tenMinuteQuarters
        case Leagues.mensCollege.id: twentyMinuteHalves
        default: twelveMinuteQuarters
        }
    }

    /// Whether `period` is an overtime.
    public func isOvertime(_ period: UInt32) -> Bool {
        period > regulationPeriods
    }

    /// The clock at the start of `period` (period 0 counts as regulation).
    public func lengthMs(ofPeriod period: UInt32) -> UInt32 {
        isOvertime(period) ? overtimePeriodMs : regulationPeriodMs
    }

    /// Whether `clockMs` left can be the clock of `period`: at most the period's length.
    public func clockFits(_ clockMs: UInt32, period: UInt32) -> Bool {
        clockMs <= lengthMs(ofPeriod: period)
    }

    /// Game time played from tip-off to the moment `clockMs` is left in `period`.
    public func elapsedMs(period: UInt32, clockMs: UInt32) -> Int64 {
        guard period > 0 else { return 0 }
        var elapsed: Int64 = 0
        for earlier in 1..<period { elapsed += Int64(lengthMs(ofPeriod: earlier)) }
        let length = lengthMs(ofPeriod: period)
        return elapsed + Int64(length - min(clockMs, length))
    }
}
