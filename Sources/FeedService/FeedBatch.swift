public import CourtsideProto

/// One update from a source, applied in order: its games are upserted into the schedule
/// service first, then its events are published to the score service.
public struct FeedBatch: Sendable, Hashable {
    /// Games that are new or whose record changed.
    public var games: [Game]
    /// Events to publish, in order.
    public var events: [Event]
    /// Teams to create in the schedule with the games (teams of leagues without seed data).
    public var teams: [Team]

    /// Creates a batch.
    public init(games: [Game] = [], events: [Event] = [], teams: [Team] = []) {
        self.games = games
        self.events = events
        self.teams = teams
    }

    /// Whether the batch carries nothing.
    public var isEmpty: Bool { games.isEmpty && events.isEmpty }
}
