import CourtsideDomain
import CourtsideProto
import FeedService
import ServiceKit
import TestSupport
import Testing

@Suite struct FeedSettingsTests {
    @Test func theReadmeDocumentsEverySettingAsDeclared() throws {
        let problems = try SettingsDocumentation.mismatches(
            FeedConfiguration.settings, readme: "services/feed/README.md", shared: ["docs/grpc-server-limits.md"]
        )
        #expect(problems == [])
    }

    @Test func theFeedHasNoListenAddressOfItsOwn() {
        #expect(!FeedConfiguration.settings.contains { $0.name == "host" || $0.name == "grpc-port" })
    }

    @Test func olderVariablesStillNameTheirSettings() throws {
        let reader = try SettingsReader(
            arguments: ["--sim-continuous", "false", "--sim-stagger-seconds", "0"],
            environment: [
                "COURTSIDE_FEED_SOURCE": "espn-summary", "COURTSIDE_FEED_FILE": "game.json", "COURTSIDE_FEED_SPEED": "60",
                "COURTSIDE_FEED_BUFFER_EVENTS": "5", "COURTSIDE_SIM_SEED": "7",
                "COURTSIDE_REDIRECT_ALLOW_HOSTS": "cdn.example, other.example",
            ]
        )
        let configuration = try FeedConfiguration(reader: reader)
        try reader.finish()
        #expect(configuration.source == .espnSummary && configuration.replay.file == "game.json" && configuration.replay.speed == 60)
        #expect(configuration.bufferCapacity == 5 && configuration.simulator.seed == 7 && configuration.simulator.stagger == .zero)
        #expect(!configuration.simulator.continuous)
        #expect(configuration.polling.redirects.allowedHosts == ["cdn.example", "other.example"])
        #expect(throws: SettingsError("environment variable COURTSIDE_SIM_GAMES=many is not an integer")) {
            try FeedConfiguration(reader: SettingsReader(arguments: [], environment: ["COURTSIDE_SIM_GAMES": "many"]))
        }
        #expect(throws: SettingsError("--sim-speed must be positive (got 0)")) {
            try FeedConfiguration(reader: SettingsReader(arguments: ["--sim-speed", "0"], environment: [:]))
        }
    }

    @Test func theSimulatorsLeaguesAreAFlagOrAVariable() throws {
        #expect(FeedConfiguration().simulator.leagues == [Leagues.nba, Leagues.wnba])
        let unset = try FeedConfiguration(reader: SettingsReader(arguments: [], environment: [:]))
        #expect(unset.simulator.leagues == [Leagues.nba, Leagues.wnba])
        let flag = try FeedConfiguration(reader: SettingsReader(arguments: ["--sim-leagues", "wnba"], environment: [:]))
        #expect(flag.simulator.leagues == [Leagues.wnba])
        let variable = try FeedConfiguration(reader: SettingsReader(arguments: [], environment: ["COURTSIDE_SIM_LEAGUES": " wnba , nba "]))
        #expect(variable.simulator.leagues == [Leagues.wnba, Leagues.nba])
        let refusals = [
            "mens-college-basketball": "--sim-leagues: 'mens-college-basketball' is not a league the simulator plays (it plays: nba, wnba)",
            "nba,nba": "--sim-leagues: names 'nba' twice",
            " , ": "--sim-leagues: names no league",
        ]
        for (text, message) in refusals {
            #expect(throws: SettingsError(message), "\(text)") {
                try FeedConfiguration(reader: SettingsReader(arguments: ["--sim-leagues", text], environment: [:]))
            }
        }
    }

    @Test func theReplayLeagueIsAFlagAVariableOrUnset() throws {
        #expect(FeedConfiguration().replay.league == nil)
        let unset = try FeedConfiguration(reader: SettingsReader(arguments: [], environment: [:]))
        #expect(unset.replay.league == nil)
        let source = ["--source", "sportradar-pbp"]
        let flag = try FeedConfiguration(reader: SettingsReader(arguments: source + ["--league", "wnba"], environment: [:]))
        #expect(flag.replay.league == Leagues.wnba)
        let variable = try FeedConfiguration(
            reader: SettingsReader(arguments: source, environment: ["COURTSIDE_FEED_LEAGUE": "nba-development"]))
        #expect(variable.replay.league == Leagues.gLeague)
        let both = try FeedConfiguration(
            reader: SettingsReader(arguments: source + ["--league", "wnba"], environment: ["COURTSIDE_FEED_LEAGUE": "nba"]))
        #expect(both.replay.league == Leagues.wnba)
        let known = "mens-college-basketball, nba, nba-development, wnba, womens-college-basketball"
        #expect(Leagues.all.map(\.id).joined(separator: ", ") == known)
        #expect(throws: SettingsError("--league: 'WNBA' is not a known league (known: \(known))")) {
            try FeedConfiguration(reader: SettingsReader(arguments: source + ["--league", "WNBA"], environment: [:]))
        }
        #expect(throws: SettingsError("--league: 'euroleague' is not a known league (known: \(known)) (from COURTSIDE_FEED_LEAGUE)")) {
            try FeedConfiguration(reader: SettingsReader(arguments: source, environment: ["COURTSIDE_FEED_LEAGUE": "euroleague"]))
        }
    }

    /// `--league` names the league of a replayed game whose payload may not: only the replays of
    /// Sportradar (JSON, XML) and ESPN summaries read it. Any other source would ignore it, so it
    /// stops the feed at start-up, naming the source given and the sources that read it.
    @Test func theLeagueIsRefusedWithASourceThatDoesNotReadIt() throws {
        #expect(FeedSourceKind.leagueReaders == [.espnSummary, .sportradarPlayByPlay, .sportradarPlayByPlayXML])
        for source in FeedSourceKind.allCases where source.readsLeague {
            let configuration = try FeedConfiguration(
                reader: SettingsReader(arguments: ["--source", source.rawValue, "--league", "wnba"], environment: [:]))
            #expect(configuration.source == source && configuration.replay.league == Leagues.wnba, "\(source.rawValue)")
        }
        let readers = "only by --source espn-summary, sportradar-pbp, sportradar-pbp-xml (got 'wnba')"
        let origins: [FeedSourceKind: String] = [
            .simulator: "--sim-leagues names the simulator's leagues",
            .nbaPlayByPlay: "NBA live data's game id names the league",
            .nbaScoreboard: "NBA live data's game id names the league",
            .espnScoreboard: "the payload's leagues[0].slug, else the --url path, names the league",
            .theSportsDBLivescore: "each entry's idLeague names the league",
        ]
        #expect(Set(origins.keys) == Set(FeedSourceKind.allCases.filter { !$0.readsLeague }))
        for (source, origin) in origins {
            let message = "--league is not read by --source \(source.rawValue) (\(origin)); \(readers)"
            #expect(throws: SettingsError(message)) {
                try FeedConfiguration(
                    reader: SettingsReader(arguments: ["--source", source.rawValue, "--league", "wnba"], environment: [:]))
            }
            // Both from the environment: the message says where the league came from.
            #expect(throws: SettingsError(message + " (from COURTSIDE_FEED_LEAGUE)")) {
                try FeedConfiguration(
                    reader: SettingsReader(
                        arguments: [], environment: ["COURTSIDE_FEED_SOURCE": source.rawValue, "COURTSIDE_FEED_LEAGUE": "wnba"]))
            }
        }
        // The simulator is the default source: --league alone is refused too.
        #expect(
            throws: SettingsError("--league is not read by --source simulator (--sim-leagues names the simulator's leagues); \(readers)")
        ) {
            try FeedConfiguration(reader: SettingsReader(arguments: ["--league", "wnba"], environment: [:]))
        }
    }
}
