/// The games a slow connection is behind on (§5.4): while its socket is not writable, the
/// newest item of each game replaces the previous one, so a slow connection costs one entry per
/// game, not one per event. When it is writable again each entry becomes one `collapsed`
/// snapshot. Too many games behind at once means the connection must be closed (4000).
public struct CollapseSet<Item> {
    public let maximumGames: Int
    public private(set) var latest: [String: Item] = [:]
    /// Events replaced so far (for metrics).
    public private(set) var replaced = 0

    /// An empty set that allows `maximumGames` games behind.
    public init(maximumGames: Int) {
        self.maximumGames = maximumGames
    }

    public var isEmpty: Bool { latest.isEmpty }
    public var count: Int { latest.count }

    /// Records the newest item of a game; false when the connection is behind on too many games.
    public mutating func record(gameId: String, item: Item) -> Bool {
        if latest.updateValue(item, forKey: gameId) != nil { replaced += 1 }
        return latest.count <= maximumGames
    }

    /// Forgets a game (it was resynchronised another way).
    public mutating func remove(gameId: String) {
        latest.removeValue(forKey: gameId)
    }

    /// Takes every pending game, sorted by id.
    public mutating func drain() -> [(gameId: String, item: Item)] {
        defer { latest.removeAll() }
        return latest.sorted { $0.key < $1.key }.map { (gameId: $0.key, item: $0.value) }
    }
}
