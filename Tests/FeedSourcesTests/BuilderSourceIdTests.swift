import CourtsideProto
import Testing

@testable import FeedSources

/// The play-by-play builder gives each event a source id of its own and the texts of its play.
@Suite struct BuilderSourceIdTests {
    private static func play(
        _ id: String, _ kind: PlayAction.Kind, clock: UInt32, home: UInt32, away: UInt32 = 0, player: String = "", team: String = ""
    ) -> PlayAction {
        PlayAction(
            sourceId: id, kind: kind, period: 1, clockMs: clock, homeScore: home, awayScore: away, teamId: team, player: player,
            description: "play \(id)", occurredAtMs: 1_000,
            label: PlayAction.Label(node: nil, what: "play", id: id))
    }

    private static func build(_ plays: [PlayAction], header score: (UInt32, UInt32)) -> (PlayByPlayBuilder, [FeedError]) {
        let header = PlayByPlayBuilder.Header(status: .live, score: score, period: 1, clockMs: 100_000)
        var builder = PlayByPlayBuilder(gameId: "g", syntheticPrefix: "g", header: header)
        builder.add(contentsOf: plays)
        let errors = builder.finish()
        return (builder, errors)
    }

    @Test func everyEventKeepsItsPlaysTextsAndAnIdOfItsOwn() throws {
        // A basket, a stale score (shown again by the next play), a basket taken back (the
        // provider keeps the lower score): every play's texts reach its event, the correction
        // has its own id, and no id is used twice.
        let (builder, errors) = Self.build(
            [
                Self.play("p1", .basket(points: 2), clock: 700_000, home: 2, player: "A. One", team: "home"),
                Self.play("p2", .rebound, clock: 690_000, home: 0, player: "B. Two", team: "away"),
                Self.play("p3", .rebound, clock: 680_000, home: 2, player: "C. Three", team: "home"),
                Self.play("p4", .basket(points: 3), clock: 670_000, home: 5, player: "D. Four", team: "home"),
                Self.play("p5", .timeout, clock: 660_000, home: 2, team: "away"),
                Self.play("p6", .rebound, clock: 650_000, home: 2, player: "F. Six", team: "away"),
            ], header: (2, 0))
        #expect(errors.isEmpty, "\(errors)")
        let ids = builder.events.map(\.sourceId)
        #expect(Set(ids).count == ids.count, "\(ids)")
        #expect(ids.filter { $0.hasPrefix("p") } == ["p1", "p2", "p3", "p4", "p5-correction", "p5", "p6"])
        for event in builder.events where event.sourceId.hasPrefix("p") && event.kind != .correction {
            let number = event.sourceId.dropFirst()
            #expect(event.description == "play p\(number)")
        }
        let players = builder.events.filter { $0.sourceId.hasPrefix("p") }.map(\.player)
        #expect(players == ["A. One", "B. Two", "C. Three", "D. Four", "", "", "F. Six"])
        let teams = builder.events.filter { $0.sourceId.hasPrefix("p") }.map(\.teamId)
        #expect(teams == ["home", "away", "home", "home", "away", "away", "away"])
        #expect(builder.events.first { $0.sourceId == "p2" }?.state?.homeScore == 2, "the stale score is ignored")
        #expect(builder.events.last?.state?.homeScore == 2)
    }

    @Test func aCorrectionThatWouldReuseAPlaysIdIsRefused() {
        // The correction before p2's kept lower score is "p2-correction": a play the provider
        // listed with that id already has it, and two events of one id would be one to the score
        // service.
        let (_, errors) = Self.build(
            [
                Self.play("p1", .basket(points: 2), clock: 700_000, home: 2),
                Self.play("p2-correction", .rebound, clock: 695_000, home: 2),
                Self.play("p2", .timeout, clock: 690_000, home: 0),
                Self.play("p3", .rebound, clock: 680_000, home: 0),
            ], header: (0, 0))
        #expect(errors.map(\.reason).contains { $0.contains("would reuse the play id p2-correction") }, "\(errors)")
    }
}
