import CourtsideProto
import NIOCore

extension ScoreEngine {
    /// What the engine keeps in memory of a game: its stored head, the positions of its
    /// source ids (loaded on first publish) and its most recent events.
    struct GameHead {
        var stored: StoredGame
        var sourceIds: [String: UInt64]?
        var recent = CircularBuffer<Event>()

        /// Keeps the newest events in memory, never older than the kept history.
        mutating func appendRecent(_ event: Event, capacity: Int) {
            recent.append(event)
            while recent.count > capacity || (recent.first?.position?.seq ?? .max) < stored.firstKeptSeq {
                _ = recent.popFirst()
            }
        }
    }
}
