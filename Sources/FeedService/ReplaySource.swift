import CourtsideDomain
import CourtsideProto
import FeedSources
import Foundation
import Logging

/// Replays one recorded game from a provider's file at real or accelerated speed.
///
/// The file is read and checked as a whole before anything is published: a malformed or
/// truncated file is logged with its reasons, counted, and nothing of it is published; the
/// provider's glitches in a readable one are reconciled, logged and counted by kind. A restart continues after the newest event the score service has of the game.
struct ReplaySource: FeedSource {
    let kind: FeedSourceKind
    let settings: ReplaySettings
    let context: FeedContext
    let batchSize: Int

    func run(into sink: FeedSink) async throws {
        guard let feed = try load() else { return }
        let events = feed.events
        let timeline = ReplayTimeline.timeline(for: events, speed: settings.speed)
        var next = 0
        let known = try await context.gamesInSchedule([feed.game.id])
        if !known.isEmpty, let last = try await context.progress.lastSourceId(of: feed.game.id) {
            guard let position = events.firstIndex(where: { $0.sourceId == last }) else {
                context.logger.error(
                    "the score service has events of this game that the file does not; not replaying",
                    metadata: ["game": "\(feed.game.id)", "last_source_id": "\(last)"]
                )
                return
            }
            next = position + 1
        }
        var game = feed.game
        if next > 0, let state = events[next - 1].state {
            game.status = state.status
        } else if !events.isEmpty {
            game.status = .scheduled
        }
        let epochNow = UnixTime.nowMs()
        var player = TimelinePlayer(sink: sink, clock: PlaybackClock(originEpochMs: epochNow), maximumBatch: batchSize)
        let anchor = next > 0 ? -timeline[next - 1].wallOffsetMs : 0
        player.add(
            PlannedGame(game: game, timeline: timeline, next: next, anchorMs: anchor, restamp: false), upsert: true, teams: feed.teams)
        context.logger.notice(
            next == 0 ? "replaying a game" : "continuing a replay where the last run left it",
            metadata: ["game": "\(game.id)", "events": "\(events.count)", "from_event": "\(next + 1)", "speed": "\(settings.speed)"]
        )
        while try await player.step() != nil {}
        context.logger.notice("replay finished", metadata: ["game": "\(game.id)", "final": "\(SimulatorSource.describe(feed.state))"])
    }

    /// Reads and parses the file(s); nil (logged and counted) when the payload is rejected.
    private func load() throws -> GameFeed? {
        let payload = try Self.read(settings.file)
        let result: FeedResult<GameFeed>
        switch kind {
        case .nbaPlayByPlay: result = NBAPlayByPlayAdapter.parse(payload, boxscore: try Self.read(settings.boxscore))
        case .espnSummary: result = ESPNSummaryAdapter.parse(payload, league: settings.league)
        case .sportradarPlayByPlay: result = SportradarPlayByPlayAdapter.parse(payload, league: settings.league)
        case .sportradarPlayByPlayXML: result = SportradarPlayByPlayXMLAdapter.parse(payload, league: settings.league)
        default: throw FeedConfigurationError("\(kind.rawValue) is not a replay source")
        }
        switch result {
        case .failure(let rejection):
            PayloadRejection.record(rejection.reasons, what: "replay file \(settings.file)", context: context)
            return nil
        case .success(let feed):
            // An ESPN summary that names its league is read in it, whatever --league says (the
            // payload is never re-labelled); one naming another league than --league is the
            // wrong file or the wrong setting, and publishing it either way would be a guess.
            // (A game record may leave the NBA's id empty.)
            let read = feed.game.leagueId.isEmpty ? Leagues.nba.id : feed.game.leagueId
            if let league = settings.league, read != league.id {
                let mismatch = FeedError("the payload is a \(read) game; --league names \(league.id)")
                PayloadRejection.record([mismatch], what: "replay file \(settings.file)", context: context)
                return nil
            }
            let violations = ScoreRules.violations(in: feed.events)
            guard violations.isEmpty else {
                PayloadRejection.record(violations, what: "replay file \(settings.file)", reason: "inconsistent", context: context)
                return nil
            }
            for glitch in feed.glitches {
                GlitchReport.record(glitch, game: feed.game.id, metrics: context.metrics, logger: context.logger)
            }
            return feed
        }
    }

    /// A file's bytes.
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeedConfigurationError("cannot read \(path)")
        }
        return [UInt8](data)
    }
}
