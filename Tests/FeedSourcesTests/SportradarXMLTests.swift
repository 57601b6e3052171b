import CourtsideDomain
import CourtsideProto
import Foundation
import TestSupport
import Testing

@testable import FeedSources

/// Sportradar's XML play-by-play: the same game as its JSON, real XML documents read as the
/// provider writes them, and hostile or broken documents refused whole.
@Suite struct SportradarXMLTests {
    static func parse(_ text: String) -> FeedResult<GameFeed> {
        SportradarPlayByPlayXMLAdapter.parse(Array(text.utf8))
    }

    static func category(_ result: FeedResult<GameFeed>) -> FeedError.Category? {
        if case .failure(let rejection) = result { return rejection.reasons.first?.category }
        return nil
    }

    // MARK: Same game, both forms

    @Test func xmlAndJSONOfTheSameGameGiveTheSameEvents() throws {
        let json = try TestSupport.accepted(
            SportradarPlayByPlayAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGame)), "Sportradar JSON")
        let xml = try TestSupport.accepted(
            SportradarPlayByPlayXMLAdapter.parse(try Fixtures.bytes(Fixtures.sportradarFullGameXML)), "Sportradar XML")
        // Not two empty games: the whole game, to the provider's final score.
        #expect(json.events.count > 435 && json.state.homeScore == 114 && json.state.awayScore == 105 && json.state.status == .final)
        #expect(xml.game == json.game)
        #expect(xml.events.count == json.events.count)
        for (index, pair) in zip(xml.events, json.events).enumerated() where pair.0 != pair.1 {
            Issue.record(
                "event \(index) differs: XML \(pair.0.sourceId) \(pair.0.description) vs JSON \(pair.1.sourceId) \(pair.1.description)")
            break
        }
        #expect(xml.events == json.events)
        #expect(xml.state == json.state)
        #expect(xml.glitches == json.glitches)
        // Every event of the XML file is published under its own id, in the file's order.
        let raw = try String(contentsOfFile: try Fixtures.path(Fixtures.sportradarFullGameXML), encoding: .utf8)
        let ids = raw.components(separatedBy: "<event id=\"").dropFirst().map { "sr-" + $0.prefix { $0 != "\"" } }
        #expect(ids.count == 435)
        #expect(xml.events.map(\.sourceId).filter { $0.count == 39 } == ids)
    }

    /// The WNBA game (``Fixtures/sportradarWNBAGameXML``, the XML form of
    /// ``WNBAFixtures/sportradar(editing:)``) is read in the league the caller gives, as its JSON
    /// is: the same game and events.
    @Test func xmlAndJSONOfTheWNBAGameGiveTheSameEventsInTheWNBA() throws {
        let bytes = try Fixtures.bytes(Fixtures.sportradarWNBAGameXML)
        let xml = try TestSupport.accepted(SportradarPlayByPlayXMLAdapter.parse(bytes, league: Leagues.wnba), "WNBA XML")
        let json = try TestSupport.accepted(
            SportradarPlayByPlayAdapter.parse(try WNBAFixtures.sportradar(), league: Leagues.wnba), "WNBA JSON")
        #expect(xml.game.leagueId == "wnba" && xml.game.homeTeamId == "wnba-IND" && xml.game.awayTeamId == "wnba-LVA")
        #expect(xml.events.count > 435 && xml.state.homeScore == 114 && xml.state.awayScore == 105 && xml.state.status == .final)
        #expect(xml.game == json.game)
        #expect(xml.events == json.events)
        #expect(xml.state == json.state && xml.glitches == json.glitches)
        // Without the league it is no WNBA game (the NBA's, or refused).
        let unnamed = SportradarPlayByPlayXMLAdapter.parse(bytes).value
        #expect(unnamed?.game.leagueId != "wnba" && unnamed?.game.homeTeamId != "wnba-IND")
    }

    // MARK: Sportradar's own XML

    @Test func realScheduledGameXML() throws {
        let feed = try TestSupport.accepted(
            SportradarPlayByPlayXMLAdapter.parse(try Fixtures.bytes(Fixtures.sportradarScheduledXML)), "scheduled XML")
        #expect(feed.game.id == "sr-fdebfa54-dbdb-4992-baa0-729394bd9610")
        #expect(feed.game.homeTeamId == "UTA" && feed.game.awayTeamId == "SAS")
        #expect(feed.game.status == .scheduled)
        #expect(feed.game.date == "2017-04-12", "02:30 UTC on the 13th is the evening of the 12th in New York")
        #expect(feed.events.isEmpty)
        #expect(feed.state == GameState(homeScore: 0, awayScore: 0, period: 0, clockMs: 0, clockRunning: false, status: .scheduled))
    }

    @Test func realLiveCaptureXML() throws {
        let feed = try TestSupport.accepted(
            SportradarPlayByPlayXMLAdapter.parse(try Fixtures.bytes(Fixtures.sportradarLiveXML)), "live XML")
        #expect(feed.game.id == "sr-3700bb52-50f0-4929-b6b0-ae0b3cbad019")
        #expect(feed.game.homeTeamId == "CHA" && feed.game.awayTeamId == "TOR")
        #expect(feed.game.status == .live)
        // The provider's events (`sr-<uuid>`); the builder adds the period's start and tip-off.
        let plays = feed.events.map(\.sourceId).filter { $0.count == 39 }
        #expect(
            plays == [
                "sr-72e1469e-458d-4d5a-b6c5-fc174d50a440", "sr-dfafaeca-22da-464d-ac0c-e6d3288fd0bc",
                "sr-222819c0-008f-46c2-a39c-36c8b37d60e4",
                "sr-85f3de48-3756-4472-b8cc-24443f6aa509", "sr-e850775d-78cc-4041-9de4-dc4aee601ace",
            ])
        let baskets = feed.events.filter { $0.points > 0 }
        #expect(baskets.map(\.teamId) == ["TOR", "CHA"])
        #expect(baskets.first?.description == "Jonas Valanciunas makes two point hook shot (Kyle Lowry assists)")
        #expect(feed.state.status == .live && feed.state.period == 1 && feed.state.homeScore == 2 && feed.state.awayScore == 2)
        #expect(feed.state.clockMs == 11 * 60_000, "the capture's clock, 11:00")
        #expect(ServiceRulesValidator.violations(feed.events).isEmpty)
    }

    // MARK: Hostile and broken documents

    static let laughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
        <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
        <game id="x" status="closed"><scoring><home id="h" alias="NOP" points="&lol3;"/></scoring></game>
        """

    @Test func billionLaughsIsRefusedBeforeAnyExpansion() {
        let reasons = TestSupport.rejected(Self.parse(Self.laughs), "billion laughs")
        #expect(reasons.count == 1 && reasons[0].contains("DOCTYPE"))
        #expect(Self.category(Self.parse(Self.laughs)) == .malformed)
    }

    @Test func externalEntitiesAreNeverResolved() {
        let external = """
            <?xml version="1.0"?>
            <!DOCTYPE game [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <game id="x" status="closed">&secret;</game>
            """
        #expect(TestSupport.rejected(Self.parse(external), "external entity").first?.contains("DOCTYPE") == true)
        // Without a DTD, an entity reference is an undeclared name, not a lookup.
        let undeclared = #"<game id="x" status="closed"><scoring><home id="h" name="&secret;"/></scoring></game>"#
        let reasons = TestSupport.rejected(Self.parse(undeclared), "undeclared entity")
        #expect(reasons.first?.contains("&secret;") == true && reasons.first?.contains("not declared") == true)
    }

    @Test func hugeAttributeIsRefusedAsTooLarge() {
        let huge = #"<game id="x" status=""# + String(repeating: "A", count: 100_000) + #""/>"#
        let result = Self.parse(huge)
        #expect(Self.category(result) == .tooLarge)
        #expect(TestSupport.rejected(result, "huge attribute").first?.contains("longer than 8192 bytes") == true)
    }

    @Test func deepNestingAndElementFloodsAreRefused() throws {
        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        #expect(Self.category(Self.parse(deep)) == .tooLarge)
        let flood = "<game>" + String(repeating: "<x/>", count: 2_000) + "</game>"
        var limits = XMLReader.Limits()
        limits.maximumElements = 1_000
        #expect(throws: FeedError.self) { try XMLReader.parse(Array(flood.utf8), limits: limits) }
        limits.maximumElements = 10_000
        #expect(try XMLReader.parse(Array(flood.utf8), limits: limits).children.count == 2_000)
        limits.maximumBytes = 100
        #expect(throws: FeedError.self) { try XMLReader.parse(Array(flood.utf8), limits: limits) }
    }

    @Test func everyCutOfARealDocumentIsRefusedWhole() throws {
        let bytes = try Fixtures.bytes(Fixtures.sportradarLiveXML)
        // Cut points spread over the whole file, plus each of its last bytes (the closing tag).
        let lastTag = bytes.count - "</game>\n".utf8.count
        let cuts = Set(stride(from: 1, to: bytes.count, by: 97)).union(lastTag..<bytes.count - 1)
        for cut in cuts.sorted() {
            let result = SportradarPlayByPlayXMLAdapter.parse(bytes.prefix(cut))
            guard case .failure(let rejection) = result else {
                Issue.record("a document cut after \(cut) of \(bytes.count) bytes was accepted")
                continue
            }
            #expect(
                rejection.reasons.first?.category == .truncated,
                "cut at \(cut): \(rejection.reasons.first?.reason ?? "")")
        }
        #expect(SportradarPlayByPlayXMLAdapter.parse(bytes).value != nil)
    }

    @Test func malformedDocumentsAreRefusedWithTheirReason() {
        let cases: [(String, String)] = [
            ("<game id=\"x\"><scoring></game>", "</game> closes <scoring>"),
            ("<game id=\"x\" id=\"y\"/>", "appears twice"),
            ("<game id=x/>", "not quoted"),
            ("<game/><game/>", "a second root element"),
            ("hello<game/>", "text before the root element"),
            ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><game/>", "only UTF-8"),
            ("<game id=\"&#0;\"/>", "invalid character reference"),
            ("<game>\u{01}</game>", "character XML forbids"),
            ("<score/>", "expected <game>"),
        ]
        for (document, expected) in cases {
            let reasons = TestSupport.rejected(Self.parse(document), document)
            #expect(reasons.count == 1 && reasons[0].contains(expected), "\(document): \(reasons)")
        }
        let invalidUTF8: [UInt8] = Array("<game id=\"".utf8) + [0xC3, 0x28] + Array("\"/>".utf8)
        #expect(TestSupport.rejected(SportradarPlayByPlayXMLAdapter.parse(invalidUTF8), "bad UTF-8").first?.contains("UTF-8") == true)
        #expect(Self.category(Self.parse("")) == .empty)
        #expect(Self.category(Self.parse("  \n")) == .empty)
    }

    @Test func referencesCommentsAndCDATAAreRead() throws {
        let document = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <game a="x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#233;&#x1F3C0;">
              <description>Jump ball<![CDATA[ <won> & ]]>tip</description>
            </game>
            """
        let root = try XMLReader.parse(Array(document.utf8))
        #expect(root.attribute("a") == "x & y <z> \"q\" 's' é🏀")
        #expect(root.child("description")?.text == "Jump ball <won> & tip")
    }

    @Test func aFieldOfTheWrongValueNamesItsPlace() throws {
        var text = try String(contentsOfFile: try Fixtures.path(Fixtures.sportradarLiveXML), encoding: .utf8)
        text = text.replacingOccurrences(of: "clock=\"11:43\"", with: "clock=\"99:43\"")
        let reasons = TestSupport.rejected(Self.parse(text), "bad clock")
        #expect(reasons.contains { $0.contains("periods[0].events[1].clock") }, "\(reasons)")
    }
}
