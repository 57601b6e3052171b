import CourtsideProto
import CourtsideRPC
import GRPC

/// What the score service already has of each game, so that a restarted feed continues where
/// the last run left off instead of replaying games from tip-off.
struct ScoreProgress: Sendable {
    let score: ScoreServiceClient
    let retrier: Retrier
    let callTimeout: Duration

    /// Most games per `GetSnapshots` call.
    static let chunkSize = 500

    /// The current snapshot of each game the score service (or the schedule behind it) knows;
    /// games it does not know are absent. A snapshot at seq 0 means "no events yet".
    func snapshots(of gameIds: [String]) async throws -> [String: Snapshot] {
        var found: [String: Snapshot] = [:]
        var start = 0
        while start < gameIds.count {
            let chunk = Array(gameIds[start..<min(start + Self.chunkSize, gameIds.count)])
            start += chunk.count
            do {
                for snapshot in try await getSnapshots(chunk) { found[snapshot.gameId] = snapshot }
            } catch let refusal as RPCError where refusal.code == .notFound {
                // One unknown game fails the whole request: ask game by game.
                for gameId in chunk {
                    do {
                        for snapshot in try await getSnapshots([gameId]) { found[snapshot.gameId] = snapshot }
                    } catch let missing as RPCError where missing.code == .notFound {
                        continue
                    }
                }
            }
        }
        return found
    }

    /// The source id of the newest event stored for a game, nil when it has none.
    func lastSourceId(of gameId: String) async throws -> String? {
        do {
            let response = try await retrier.run("find the newest event of \(gameId)") {
                try await score.listEvents(
                    ListEventsRequest(gameId: gameId, pageSize: 1, newestFirst: true),
                    options: CallOptions(timeout: callTimeout)
                )
            }
            return response.events.first?.sourceId
        } catch let refusal as RPCError where refusal.code == .notFound {
            return nil
        }
    }

    private func getSnapshots(_ gameIds: [String]) async throws -> [Snapshot] {
        try await retrier.run("get \(gameIds.count) snapshots") {
            try await score.getSnapshots(GetSnapshotsRequest(gameIds: gameIds), options: CallOptions(timeout: callTimeout))
        }.snapshots
    }
}
