// The limits on what clients send, in one place for every service that reads the same fields
// (the score, schedule and subscription services, and their READMEs' field tables).

/// Limits on the fields of requests. A value beyond one is refused where the request enters
/// the handler (`FieldCheck`, in CourtsideRPC), before anything is read or written.
public enum RequestLimits {
    /// Game ids: 1–128 UTF-8 bytes, no whitespace or control characters.
    public static let gameIDBytes = 128
    /// Team ids (the tricode in the seed data): at most 64 bytes, no whitespace or control characters.
    public static let teamIDBytes = 64
    /// A feed's own event id (`Event.source_id`): 1–256 bytes, no control characters.
    public static let sourceIDBytes = 256
    /// `Event.player`: at most 256 bytes, no control characters.
    public static let playerBytes = 256
    /// `Event.description`: at most 4096 bytes.
    public static let descriptionBytes = 4096
    /// `Game.venue`: at most 200 bytes, no control characters.
    public static let venueBytes = 200
    /// A team's tricode-free texts (`Team.city`, `name`, `conference`, `division`): at most 200
    /// bytes each.
    public static let teamTextBytes = 200
    /// Durable subscription names: 1–64 ASCII letters, digits, '.', '_' and '-'.
    public static let subscriptionNameBytes = 64
    /// Page tokens, as the services issue them (far shorter); a longer one is not theirs.
    public static let pageTokenBytes = 1024

    /// Events in one publish request (`PublishEvents`, one message of `PublishEventStream`).
    public static let eventsPerBatch = 10_000
    /// Events in one `PublishEventStream` call, all messages together (its response holds a
    /// result for each).
    public static let eventsPerStream = 100_000
    /// Game ids in a request that reads or follows named games (`GetSnapshots`, a
    /// subscription filter).
    public static let gameIDsPerRequest = 1000
    /// Positions in one request (`StreamEvents` cursors, `Subscribe` resume, `Acknowledge`),
    /// and game ids in one `WatchGames`: a long-running relay resumes with one per game it has
    /// seen.
    public static let cursorsPerRequest = 10_000
    /// Team ids in one filter (`ListGames`, a subscription filter).
    public static let teamIDsPerRequest = 100
    /// Statuses in one `ListGames` filter.
    public static let statusesPerRequest = 16
    /// League ids in one filter (`ListGames`, `ListTeams`, `WatchGames`, a subscription filter):
    /// the bridge's limit too.
    public static let leagueIDsPerRequest = 20
    /// League ids: 1–32 bytes, no whitespace or control characters (the known ones are far shorter).
    public static let leagueIDBytes = 32

    /// The largest `seq` or `epoch` of a position: logs and cursors are stored as signed 64-bit
    /// integers (SQLite, PostgreSQL), so no position can go beyond it.
    public static let maximumPositionValue = UInt64(Int64.max)
    /// The latest instant a timestamp may name (`start_time_ms`, `occurred_at_ms`):
    /// 9999-12-31T23:59:59.999Z, the last day a `YYYY-MM-DD` date can write.
    public static let maximumTimestampMs: Int64 = 253_402_300_799_999

    /// `GameState.period`: 1–4 regulation, 5 and up overtime (the longest NBA game had 6 overtimes).
    public static let maximumPeriod: UInt32 = 20
    /// `GameState.clock_ms`: time left in a period, at most an hour.
    public static let maximumClockMs: UInt32 = 60 * 60 * 1000
    /// `Event.points`: 0–3.
    public static let maximumPoints: UInt32 = 3
}
