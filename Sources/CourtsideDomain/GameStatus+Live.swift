public import CourtsideProto

extension GameStatus {
    /// Whether the game is being played: live, or at halftime (a halftime game is still on, its
    /// score still moves soon, and it is listed and streamed with the live ones).
    public var isLive: Bool {
        self == .live || self == .halftime
    }
}
