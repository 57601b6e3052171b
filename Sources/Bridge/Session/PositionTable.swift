/// The position a connection has of each game, kept small: a connection usually has a few
/// games, so they live in a short array searched linearly (game ids are short strings, compared
/// without hashing); past `linearLimit` games a dictionary takes over.
public struct PositionTable: Sendable, Equatable {
    /// Games kept in the array before switching to a dictionary.
    public static let linearLimit = 32

    private var entries: [(gameId: String, position: GamePosition)] = []
    private var large: [String: GamePosition]?

    public init() {}

    public static func == (lhs: PositionTable, rhs: PositionTable) -> Bool {
        lhs.dictionary == rhs.dictionary
    }

    public var count: Int { large?.count ?? entries.count }
    public var isEmpty: Bool { count == 0 }

    /// The position of a game (nil: none yet).
    public subscript(gameId: String) -> GamePosition? {
        get {
            if let large { return large[gameId] }
            for entry in entries where entry.gameId == gameId { return entry.position }
            return nil
        }
        set {
            if large != nil {
                large?[gameId] = newValue
                return
            }
            if let index = entries.firstIndex(where: { $0.gameId == gameId }) {
                if let newValue { entries[index].position = newValue } else { entries.remove(at: index) }
                return
            }
            guard let newValue else { return }
            if entries.count < Self.linearLimit {
                entries.append((gameId, newValue))
            } else {
                var dictionary = Dictionary(entries.map { ($0.gameId, $0.position) }, uniquingKeysWith: { $1 })
                dictionary[gameId] = newValue
                large = dictionary
                entries = []
            }
        }
    }

    /// Makes room for `count` games (in the array while under `linearLimit`).
    public mutating func reserveCapacity(_ count: Int) {
        guard large == nil, count <= Self.linearLimit, count > entries.capacity else { return }
        entries.reserveCapacity(count)
    }

    /// Every game and position.
    public var dictionary: [String: GamePosition] {
        large ?? Dictionary(entries.map { ($0.gameId, $0.position) }, uniquingKeysWith: { $1 })
    }

    /// Every game id.
    public var gameIds: [String] { large.map { Array($0.keys) } ?? entries.map(\.gameId) }

    /// Adds positions for games that have none.
    public mutating func addMissing(_ positions: [String: GamePosition]) {
        for (gameId, position) in positions where self[gameId] == nil { self[gameId] = position }
    }
}
