/// The SSE cursor (§10): comma-separated `gameId:epoch:seq` entries, in the `resume` parameter
/// and in `id:` / `Last-Event-ID`.
public enum SSECursor {
    /// A malformed cursor (answered with 400).
    public struct Invalid: Error, Sendable, Equatable {
        public var message: String
    }

    /// Parses a cursor; the empty string is the empty cursor.
    public static func parse(_ text: String) throws(Invalid) -> [String: GamePosition] {
        var positions: [String: GamePosition] = [:]
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            if entry.isEmpty && text.isEmpty { break }
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw Invalid(message: "cursor entry \"\(entry.prefix(80))\" is not gameId:epoch:seq") }
            let gameId = String(parts[0])
            guard ProtocolIds.isGameId(gameId) else {
                throw Invalid(message: "cursor entry \"\(entry.prefix(80))\" has an invalid game id")
            }
            guard let epoch = ProtocolIds.decimal(parts[1]), let seq = ProtocolIds.decimal(parts[2]) else {
                throw Invalid(message: "cursor entry \"\(entry.prefix(80))\" needs decimal epoch and seq (0 … 2^53 − 1)")
            }
            positions[gameId] = GamePosition(epoch: epoch, seq: seq)
        }
        return positions
    }

    /// Formats positions as a cursor (sorted by game id, so equal cursors are equal strings).
    public static func format(_ positions: [String: GamePosition]) -> String {
        var text = ""
        for (gameId, position) in positions.sorted(by: { $0.key < $1.key }) {
            if !text.isEmpty { text += "," }
            text += gameId
            text += ":"
            text += String(position.epoch)
            text += ":"
            text += String(position.seq)
        }
        return text
    }
}
