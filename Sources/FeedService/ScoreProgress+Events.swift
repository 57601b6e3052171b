import CourtsideProto
import CourtsideRPC
import GRPC

extension ScoreProgress {
    /// Most events asked for per `ListEvents` page.
    static let pageSize: UInt32 = 1_000

    /// Every event the score service keeps of a game, oldest first; none when it does not know
    /// the game.
    func events(of gameId: String) async throws -> [Event] {
        var events: [Event] = []
        var token = ""
        repeat {
            let request = ListEventsRequest(gameId: gameId, pageSize: Self.pageSize, pageToken: token)
            let page: ListEventsResponse
            do {
                page = try await retrier.run("list the events of \(gameId)") {
                    try await score.listEvents(request, options: CallOptions(timeout: callTimeout))
                }
            } catch let refusal as RPCError where refusal.code == .notFound {
                return []
            }
            events += page.events
            token = page.nextPageToken
        } while !token.isEmpty
        return events
    }
}
