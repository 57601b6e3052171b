import CourtsideProto
import CourtsideRPC
import EventRelay
import GRPC
import Logging

/// Where `Subscribe` catches subscribers up: the relay's recent events, else the score service's
/// log.
struct RelayCatchUpHistory: CatchUpHistory {
    let relay: GameRelay<Void>
    let score: any HistorySource
    let logger: Logger

    func events(gameId: String, epoch: UInt64, afterSeq: UInt64, upTo: UInt64) async throws -> [Event]? {
        if let recent = relay.recentEvents(gameId: gameId, epoch: epoch, afterSeq: afterSeq, upTo: upTo) {
            return recent
        }
        return try await fromScore(logger) { try await score.events(gameId: gameId, epoch: epoch, afterSeq: afterSeq, upTo: upTo) }
    }
}

/// A call to the score service for history; its failure reaches the client without its details
/// (an address, a connection error), which go to the log.
func fromScore<T>(_ logger: Logger, _ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch is CancellationError {
        throw CancellationError()
    } catch {
        logger.warning("cannot read history from the score service", metadata: ["error": "\(error)"])
        throw RPCError(.unavailable, "cannot read the game's history from the score service; resume again")
    }
}
