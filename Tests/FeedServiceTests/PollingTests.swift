import CourtsideProto
import FeedService
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Polling a scoreboard served by a local HTTP server as successive snapshots (edited copies of
/// the ESPN fixture): exactly the expected events, ETag/304 honoured, bad payloads skipped with a
/// reason, failed requests retried, a game of an unknown team skipped, and polling goes on.
@Suite(.serialized) struct PollingTests {
    /// One game's line on an edited scoreboard.
    struct Line {
        var status: String
        var state: String
        var period: Int
        var clock: Double
        var home: Int
        var away: Int

        static func scheduled() -> Line { Line(status: "STATUS_SCHEDULED", state: "pre", period: 0, clock: 720, home: 0, away: 0) }
    }

    /// The ESPN day fixture with its first two games set to `a` and `b` (and, optionally, a third
    /// game between clubs that are not NBA teams).
    static func scoreboard(_ a: Line, _ b: Line, withExhibition: Bool = false) throws -> [UInt8] {
        var raw = try #require(try Fixtures.json(Fixtures.espnScoreboardDay) as? [String: Any])
        let events = try #require(raw["events"] as? [[String: Any]])
        var edited = [try edit(events[0], a), try edit(events[1], b)]
        if withExhibition {
            var exhibition = try edit(events[2], Line(status: "STATUS_IN_PROGRESS", state: "in", period: 1, clock: 300, home: 10, away: 8))
            exhibition["id"] = "999999"
            var competition = try #require((exhibition["competitions"] as? [[String: Any]])?.first)
            var competitors = try #require(competition["competitors"] as? [[String: Any]])
            var team = try #require(competitors[0]["team"] as? [String: Any])
            team["abbreviation"] = "MEL"
            team["displayName"] = "Melbourne United"
            competitors[0]["team"] = team
            competition["competitors"] = competitors
            exhibition["competitions"] = [competition]
            edited.append(exhibition)
        }
        raw["events"] = edited
        return try Fixtures.encode(raw)
    }

    static func edit(_ event: [String: Any], _ line: Line) throws -> [String: Any] {
        var event = event
        let status: [String: Any] = [
            "clock": line.clock, "displayClock": "\(Int(line.clock) / 60):\(Int(line.clock) % 60)", "period": line.period,
            "type": ["name": line.status, "state": line.state],
        ]
        event["status"] = status
        var competition = try #require((event["competitions"] as? [[String: Any]])?.first)
        competition["status"] = status
        var competitors = try #require(competition["competitors"] as? [[String: Any]])
        for index in competitors.indices {
            competitors[index]["score"] = String((competitors[index]["homeAway"] as? String) == "home" ? line.home : line.away)
        }
        competition["competitors"] = competitors
        event["competitions"] = [competition]
        return event
    }

    @Test func successiveSnapshotsBecomeExactlyTheExpectedEvents() async throws {
        let scheduled = Line.scheduled()
        let s1 = try Self.scoreboard(scheduled, scheduled)
        let s2 = try Self.scoreboard(Line(status: "STATUS_IN_PROGRESS", state: "in", period: 1, clock: 540, home: 5, away: 2), scheduled)
        let s4 = try Self.scoreboard(
            Line(status: "STATUS_IN_PROGRESS", state: "in", period: 2, clock: 600, home: 30, away: 28),
            Line(status: "STATUS_IN_PROGRESS", state: "in", period: 1, clock: 700, home: 2, away: 0)
        )
        let s5 = try Self.scoreboard(
            Line(status: "STATUS_HALFTIME", state: "in", period: 2, clock: 0, home: 55, away: 50),
            Line(status: "STATUS_END_PERIOD", state: "in", period: 1, clock: 0, home: 25, away: 20),
            withExhibition: true
        )
        let s6 = try Self.scoreboard(
            Line(status: "STATUS_FINAL", state: "post", period: 4, clock: 0, home: 101, away: 99),
            Line(status: "STATUS_IN_PROGRESS", state: "in", period: 2, clock: 650, home: 30, away: 27)
        )
        let lastModified = "Sun, 15 Dec 2024 20:00:00 GMT"
        let server = try await ScriptedHTTPServer(script: [
            .json(s1, etag: "\"e1\"", lastModified: lastModified),
            .notModified,
            .json(s2, etag: "\"e2\""),
            .json(Array("<html>Service Unavailable</html>".utf8), etag: "\"bad\""),
            .json(Array(s4.prefix(s4.count / 2)), etag: "\"cut\""),
            ScriptedHTTPServer.Reply(status: .serviceUnavailable),
            .json(s4, etag: "\"e4\""),
            ScriptedHTTPServer.Reply(status: .ok, headers: [("ETag", "\"lost\"")], body: s5, cutAfter: 100),
            .json(s5, etag: "\"e5\""),
            .json(s6, etag: "\"e6\""),
        ])
        let services = try await Services()
        try await services.startScore()
        let feed = try services.feed(.espnScoreboard) { configuration in
            configuration.polling.url = server.url
            configuration.polling.interval = .milliseconds(30)
            configuration.polling.requestTimeout = .seconds(5)
            configuration.polling.attempts = 3
        }
        services.start(feed)
        do {
            try await waitFor("every scripted response and two more polls") { server.used == 10 && server.requests.count >= 14 }
            try await waitFor("delivery") { feed.buffer.depth == 0 }

            // Game A (IND–NOP): tip-off, a quarter, halftime, then straight to final.
            let a = try await services.events(of: "espn-401736810")
            let kindsA: [EventKind] = [
                .statusChange, .periodStart, .other, .basket,
                .periodEnd, .periodStart, .other, .other,
                .other, .other, .periodEnd, .statusChange,
                .statusChange, .periodStart, .other, .other, .periodEnd, .statusChange,
            ]
            #expect(a.map(\.kind) == kindsA)
            #expect(a.map(\.teamId) == ["", "", "IND", "NOP", "", "", "IND", "NOP", "IND", "NOP", "", "", "", "", "IND", "NOP", "", ""])
            #expect(a.filter { $0.kind == .statusChange }.map { $0.state?.status } == [.live, .halftime, .live, .final])
            #expect(a.last?.state == GameState(homeScore: 101, awayScore: 99, period: 4, clockMs: 0, clockRunning: false, status: .final))

            // Game B (WAS–BOS): scheduled through two polls, then live, end of the 1st, the 2nd.
            let b = try await services.events(of: "espn-401736811")
            #expect(b.map(\.kind) == [.statusChange, .periodStart, .basket, .other, .other, .periodEnd, .periodStart, .other, .other])
            #expect(b[2].points == 2 && b[2].teamId == "WAS")
            #expect(
                b.last?.state == GameState(homeScore: 30, awayScore: 27, period: 2, clockMs: 650_000, clockRunning: true, status: .live))

            // The exhibition game was skipped, not published, and did not stop the others.
            #expect(try await services.snapshots(["espn-401736810"]).count == 1)
            #expect(metric(feed, "courtside_feed_skipped_games_total", ["reason": "unknown_team"]) == 1)

            // Conditional requests: validators of accepted bodies only.
            let requests = server.requests
            #expect(requests[0]["if-none-match"].isEmpty)
            #expect(requests[1]["if-none-match"] == ["\"e1\""] && requests[1]["if-modified-since"] == [lastModified])
            #expect(requests[3]["if-none-match"] == ["\"e2\""])
            #expect(requests[4]["if-none-match"].isEmpty, "no validators after a rejected body")
            #expect(requests.last?["if-none-match"] == ["\"e6\""])

            #expect(metric(feed, "courtside_feed_rejected_payloads_total", ["reason": "malformed"]) == 1)
            #expect(metric(feed, "courtside_feed_rejected_payloads_total", ["reason": "truncated"]) == 1)
            #expect(metric(feed, "courtside_feed_poll_errors_total", ["reason": "status"]) == 1)
            // Exactly the cut response, never parsed. (A client that wrote a GET's end separately
            // from its head once lost the 503 here to a write on the closed connection.)
            #expect(metric(feed, "courtside_feed_poll_errors_total", ["reason": "truncated"]) == 1)
            #expect(metric(feed, "courtside_feed_poll_errors_total", ["reason": "io"]) == 0)
            #expect(metric(feed, "courtside_feed_polls_total", ["result": "not_modified"]) >= 2)
            #expect(metric(feed, "courtside_feed_polls_total", ["result": "rejected"]) == 2)
            #expect(metric(feed, "courtside_feed_polls_total", ["result": "changed"]) == 5)
            #expect(metric(feed, "courtside_feed_events_published_total") == Double(a.count + b.count))
        } catch {
            await services.stop()
            await server.stop()
            throw error
        }
        await services.stop()
        await server.stop()
    }
}
