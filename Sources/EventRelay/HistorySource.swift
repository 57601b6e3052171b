public import CourtsideProto
public import CourtsideRPC
public import GRPC

/// Where a relay gets history older than its recent window: the score service. Its `events`
/// returns all the events asked for (never a first page only), or nil.
public protocol HistorySource: CatchUpHistory {
    /// The game's current snapshot, nil for an unknown game.
    func snapshot(gameId: String) async throws -> Snapshot?
}

/// History from the score service (`ListEvents`, `GetSnapshots`).
public struct ScoreHistorySource: HistorySource {
    public let score: ScoreServiceClient

    public init(client: GRPCClient) {
        score = ScoreServiceClient(client)
    }

    public func events(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) async throws -> [Event]? {
        guard afterSeq < upTo else { return [] }
        // afterSeq < upTo: neither the count nor the next seq below can overflow.
        let wanted = upTo - afterSeq
        var events: [Event] = []
        var request = ListEventsRequest(gameId: gameId, pageSize: 1000, afterSeq: afterSeq)
        while true {
            let page = try await score.listEvents(request, options: CallOptions(timeout: .seconds(10)))
            guard page.epoch == epoch else { return nil }
            for event in page.events {
                guard let seq = event.position?.seq else { continue }
                if seq > upTo { return events }
                guard seq == afterSeq + UInt64(events.count) + 1 else { return nil }  // not kept any more
                events.append(event)
            }
            if UInt64(events.count) == wanted || page.nextPageToken.isEmpty {
                return UInt64(events.count) == wanted ? events : nil
            }
            request = ListEventsRequest(gameId: gameId, pageSize: 1000, pageToken: page.nextPageToken)
        }
    }

    public func snapshot(gameId: String) async throws -> Snapshot? {
        do {
            return try await score.getSnapshots(GetSnapshotsRequest(gameIds: [gameId]), options: CallOptions(timeout: .seconds(5)))
                .snapshots.first
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }
}
