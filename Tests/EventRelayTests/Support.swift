import CourtsideProto
import EventRelay
import Synchronization

/// An event of `gameId` at `seq`, with the home score as its seq.
func event(_ gameId: String, _ seq: UInt64, epoch: UInt64 = 7, status: GameStatus = .live) -> Event {
    Event(
        gameId: gameId, position: Position(epoch: epoch, seq: seq), sourceId: "\(gameId)-\(seq)", kind: .basket,
        state: GameState(homeScore: UInt32(seq), status: status), recordedAtMs: 1_000 + Int64(seq)
    )
}

func snapshot(_ gameId: String, _ seq: UInt64, epoch: UInt64 = 7, status: GameStatus = .live, home: String = "BOS", away: String = "LAL")
    -> Snapshot
{
    Snapshot(
        gameId: gameId, position: Position(epoch: epoch, seq: seq), state: GameState(homeScore: UInt32(seq), status: status),
        homeTeamId: home, awayTeamId: away)
}

extension StreamItem {
    /// "g#3" for an event, "g@3:initial" / "g@3:reset" for a snapshot.
    var label: String {
        switch item {
        case .event(let event): "\(event.gameId)#\(event.position?.seq ?? 0)"
        case .snapshot(let snapshot):
            "\(snapshot.gameId)@\(snapshot.position?.seq ?? 0):\(reason == .initial ? "initial" : reason == .reset ? "reset" : "?")"
        case nil: "empty"
        }
    }
}

/// A response kept in memory: the headers and items in the order they were sent.
final class MemoryWriter: StreamItemWriter {
    enum Entry: Sendable, Equatable {
        case headers
        case item(String)
    }

    private let entries = Mutex<[Entry]>([])

    func sendHeaders() async throws {
        entries.withLock { $0.append(.headers) }
    }

    func write(_ item: StreamItem) async throws {
        entries.withLock { $0.append(.item(item.label)) }
    }

    var sent: [Entry] { entries.withLock { $0 } }

    /// The labels of the items sent so far.
    var labels: [String] {
        sent.compactMap { if case .item(let label) = $0 { label } else { nil } }
    }

    /// Waits until `count` items were sent (at most a few seconds) and returns their labels.
    func labels(count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while labels.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        return labels
    }
}

/// A game log kept in memory from `firstKeptSeq` on, read in pages of `pageSize`; `forgetAfter`
/// pages it behaves as if retention trimmed everything (returns nil).
final class MemoryHistory: CatchUpHistory {
    let events: [String: [Event]]
    let pageSize: Int
    let forgetAfter: Int?
    private let reads = Mutex(0)

    init(_ events: [Event], pageSize: Int = 1000, forgetAfter: Int? = nil) {
        self.events = Dictionary(grouping: events, by: \.gameId)
        self.pageSize = pageSize
        self.forgetAfter = forgetAfter
    }

    var pagesRead: Int { reads.withLock { $0 } }

    func events(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) async throws -> [Event]? {
        let read = reads.withLock { reads in
            reads += 1
            return reads
        }
        if let forgetAfter, read > forgetAfter { return nil }
        let kept = (events[gameId] ?? []).filter { $0.position?.epoch == epoch }
        guard let first = kept.first?.position?.seq, first <= afterSeq + 1 else { return nil }
        return Array(kept.filter { ($0.position?.seq ?? 0) > afterSeq && ($0.position?.seq ?? 0) <= upTo }.prefix(pageSize))
    }
}
