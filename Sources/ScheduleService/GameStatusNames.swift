public import CourtsideProto

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
