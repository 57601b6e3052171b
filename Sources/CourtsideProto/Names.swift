// Hand-written names for the generated enums: one spelling everywhere (logs, metric labels,
// JSON, the CLI, feed source ids).

extension GameStatus {
    /// The statuses a game can have (every defined status except `unspecified`).
    public static let specified: [GameStatus] = [.scheduled, .live, .halftime, .final, .postponed, .cancelled]

    /// Whether this is one of the six statuses a game can have (not `unspecified`, not a value a
    /// newer schema added).
    public var isSpecified: Bool {
        Self.specified.contains(self)
    }

    /// A short lowercase name for messages, logs, metric labels and JSON ("final"); an
    /// undefined value is its number.
    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .scheduled: "scheduled"
        case .live: "live"
        case .halftime: "halftime"
        case .final: "final"
        case .postponed: "postponed"
        case .cancelled: "cancelled"
        default: "\(rawValue)"
        }
    }

    /// Parses a short name ("live") or a proto name ("GAME_STATUS_LIVE"), case-insensitively.
    public init?(name: String) {
        let lowered = name.lowercased()
        let short = lowered.hasPrefix("game_status_") ? String(lowered.dropFirst("game_status_".count)) : lowered
        guard let status = GameStatus.allDefined.first(where: { $0.name == short }) else { return nil }
        self = status
    }
}

extension EventKind {
    /// The short lowercase name ("free_throw"); an undefined value reads as "other".
    public var name: String {
        switch self {
        case .basket: "basket"
        case .freeThrow: "free_throw"
        case .miss: "miss"
        case .rebound: "rebound"
        case .turnover: "turnover"
        case .foul: "foul"
        case .violation: "violation"
        case .timeout: "timeout"
        case .substitution: "substitution"
        case .jumpBall: "jump_ball"
        case .periodStart: "period_start"
        case .periodEnd: "period_end"
        case .statusChange: "status_change"
        case .correction: "correction"
        case .clock: "clock"
        default: "other"
        }
    }

    /// Every kind an event can have (every defined kind except `unspecified`).
    public static let specified: [EventKind] = allDefined.filter { $0 != .unspecified }

    /// Parses a short name ("free_throw") or a proto name ("EVENT_KIND_FREE_THROW"), case-insensitively.
    public init?(name: String) {
        let lowered = name.lowercased()
        let short = lowered.hasPrefix("event_kind_") ? String(lowered.dropFirst("event_kind_".count)) : lowered
        guard let kind = EventKind.specified.first(where: { $0.name == short }) else { return nil }
        self = kind
    }
}
