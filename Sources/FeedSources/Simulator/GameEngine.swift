import CourtsideDomain
import CourtsideProto

/// Plays one simulated game, possession by possession, recording every event with its game
/// time and wall time.
///
/// The model, tuned to recent NBA averages (about 100 possessions per team, 112–118 points):
/// a possession uses 5–19 s of game clock and ends in a turnover (12.5%), a defensive foul
/// (6%; free throws once the defence has 5 team fouls in the period, else the offence keeps the
/// ball) or a shot — 39% threes made at 36.5%, twos made at 53%, with shooting fouls (10% of twos,
/// 1.5% of threes) giving free throws (78%) or and-ones; a team 15 or more behind shoots 3 points
/// better, its opponent 3 points worse. Misses are rebounded by the offence 24%
/// of the time. Timeouts (teams, 7 each; two mandatory official timeouts per period),
/// substitutions at dead balls, a jump ball to open the game and every overtime, halftime after
/// the 2nd period, 5-minute overtimes while tied, and a last shot when the clock runs out.
/// Periods are as long as the game's league plays them (``PeriodRules``: 12-minute quarters in
/// the NBA, 10-minute quarters in the WNBA, 20-minute halves in men's college).
struct GameEngine {
    private let game: Game
    private let periods: PeriodRules
    private let startTimeMs: Int64
    private let speed: Double
    private let includeStoppages: Bool
    private var random: SeededRandom

    private var state = GameState(status: .scheduled)
    private var count = 0
    private var gameElapsedMs: Int64 = 0
    private var wallMs: Int64 = 0
    private(set) var timeline: [TimedEvent] = []

    /// The teams' ids (home, away): what events carry.
    private let teams: [String]
    /// The teams' tricodes (home, away): what descriptions say ("wnba-IND" is "IND").
    private let codes: [String]
    private let rosters: [[String]]
    private var onCourt: [[Int]] = [Array(0..<5), Array(0..<5)]
    private var teamFouls = [0, 0]
    private var timeoutsLeft = [7, 7]
    private var officialTimeoutsTaken = 0
    private var possession = 0
    private var openingTipWinner = 0

    private static let home = 0
    private static let away = 1

    init(game: Game, seed: UInt64, startTimeMs: Int64, speed: Double, includeStoppages: Bool) {
        self.game = game
        self.periods = PeriodRules.forLeague(game.leagueId)
        self.random = SeededRandom(seed: seed)
        self.startTimeMs = startTimeMs
        self.speed = speed > 0 && speed.isFinite ? speed : 1
        self.includeStoppages = includeStoppages
        teams = [game.homeTeamId, game.awayTeamId]
        let seeded = SeedTeams.forLeague(game.leagueId.isEmpty ? Leagues.nba.id : game.leagueId)
        codes = teams.map { id in seeded?.all.first { $0.id == id }?.tricode ?? id }
        // By id: the Indiana Fever's players are not the Pacers'.
        rosters = teams.map(Rosters.players(of:))
    }

    /// Plays the game to its end.
    mutating func play() -> GameState {
        state.period = 1
        state.clockMs = periods.lengthMs(ofPeriod: 1)
        state.status = .live
        emit(.statusChange, description: "Tip-off: \(codes[Self.away]) at \(codes[Self.home])")
        var period: UInt32 = 1
        // Ends with probability 1: each overtime is tied at its end only a few percent of the time.
        while true {
            playPeriod(period)
            if period >= periods.regulationPeriods, state.homeScore != state.awayScore { break }
            period += 1
        }
        state.status = .final
        let winner = state.homeScore > state.awayScore ? Self.home : Self.away
        emit(
            .statusChange,
            description: "Final: \(codes[winner]) \(max(state.homeScore, state.awayScore))–\(min(state.homeScore, state.awayScore))"
        )
        return state
    }

    // MARK: Periods

    private mutating func playPeriod(_ period: UInt32) {
        let length = periods.lengthMs(ofPeriod: period)
        let secondHalf = periods.regulationPeriods / 2 + 1
        if period > 1 {
            stoppage(period == secondHalf ? 900_000 : 130_000)
        }
        state.period = period
        state.clockMs = length
        if period == secondHalf {
            state.status = .live
            emit(.statusChange, description: "Second half")
        }
        emit(.periodStart, description: "Start of the \(PeriodNames.name(of: period))")
        teamFouls = [0, 0]
        officialTimeoutsTaken = 0
        if period > 1, random.chance(0.6) { substitution(team: random.int(in: 0...1)) }

        if period == 1 || periods.isOvertime(period) {
            let winner = random.int(in: 0...1)
            if period == 1 { openingTipWinner = winner }
            possession = winner
            runClock(random.int(in: 1000...3000))
            emit(
                .jumpBall,
                team: winner,
                player: rosters[winner][onCourt[winner][4]],
                description: "Jump ball won by \(codes[winner])",
                running: true
            )
        } else {
            // The team that lost the opening tip starts the 2nd and 3rd periods; the winner the 4th.
            possession = period == 4 ? openingTipWinner : 1 - openingTipWinner
        }
        while state.clockMs > 0 {
            playPossession()
        }
        state.clockMs = 0
        emit(.periodEnd, description: "End of the \(PeriodNames.name(of: period))")
        if period == periods.regulationPeriods / 2 {
            state.status = .halftime
            emit(.statusChange, description: "Halftime")
        }
    }

    // MARK: Possessions

    private mutating func playPossession() {
        let offense = possession
        let defense = 1 - offense
        var clockUse = random.int(in: 5000...19000)
        while true {
            if clockUse >= state.clockMs {
                lastShot(offense: offense)
                return
            }
            runClock(clockUse)
            let roll = random.unit()
            if roll < 0.125 {
                let steal = random.chance(0.45)
                emit(
                    .turnover,
                    team: offense,
                    player: player(offense),
                    description: steal ? "Turnover (bad pass), stolen by \(codes[defense])" : "Turnover (out of bounds)",
                    running: steal
                )
                possession = defense
                if !steal {
                    stoppage(10_000)
                    deadBall()
                }
                return
            }
            if roll < 0.185 {
                foul(by: defense, description: "Personal foul")
                if teamFouls[defense] > 4 {
                    freeThrows(team: offense, shooter: player(offense), count: 2)
                    return
                }
                deadBall()
                clockUse = random.int(in: 3000...14000)
                continue
            }
            if shoot(offense: offense) {
                clockUse = random.int(in: 2000...12000)
                continue
            }
            return
        }
    }

    /// One shot and what follows it; returns true when the offence keeps the ball (offensive rebound).
    private mutating func shoot(offense: Int) -> Bool {
        let defense = 1 - offense
        let three = random.chance(0.39)
        let fouled = random.chance(three ? 0.015 : 0.10)
        let made = random.chance((fouled ? (three ? 0.25 : 0.40) : (three ? 0.365 : 0.53)) + momentum(offense))
        let shooter = player(offense)
        let shot = three ? "3-pt jump shot" : random.pick(["2-pt layup", "2-pt jump shot", "2-pt dunk", "2-pt floater"])
        if made {
            addPoints(three ? 3 : 2, to: offense)
            emit(
                .basket,
                team: offense,
                points: three ? 3 : 2,
                player: shooter,
                description: "\(shooter) makes \(shot)",
                running: !lastTwoMinutes
            )
            if fouled {
                foul(by: defense, description: "Shooting foul (and one)")
                freeThrows(team: offense, shooter: shooter, count: 1)
                return false
            }
            possession = defense
            if random.chance(0.04) { timeout(team: defense) }
            return false
        }
        if fouled {
            foul(by: defense, description: "Shooting foul")
            freeThrows(team: offense, shooter: shooter, count: three ? 3 : 2)
            return false
        }
        emit(.miss, team: offense, player: shooter, description: "\(shooter) misses \(shot)", running: true)
        return rebound(after: offense, offensiveChance: 0.24)
    }

    /// The clock runs out during a possession: sometimes a last heave, then the period ends.
    private mutating func lastShot(offense: Int) {
        runClock(Int(state.clockMs))
        guard random.chance(0.35) else { return }
        let shooter = player(offense)
        if random.chance(0.2) {
            addPoints(3, to: offense)
            emit(.basket, team: offense, points: 3, player: shooter, description: "\(shooter) makes 3-pt shot at the buzzer")
        } else {
            emit(.miss, team: offense, player: shooter, description: "\(shooter) misses 3-pt shot at the buzzer")
        }
    }

    /// A rebound after a miss by `shooting`; returns true when it is offensive.
    private mutating func rebound(after shooting: Int, offensiveChance: Double) -> Bool {
        runClock(min(random.int(in: 500...2500), Int(state.clockMs)))
        let offensive = random.chance(offensiveChance)
        let team = offensive ? shooting : 1 - shooting
        let rebounder = player(team)
        emit(
            .rebound,
            team: team,
            player: rebounder,
            description: "\(rebounder) \(offensive ? "offensive" : "defensive") rebound",
            running: true
        )
        possession = team
        return offensive && state.clockMs > 0
    }

    private mutating func freeThrows(team: Int, shooter: String, count: Int) {
        var lastMade = false
        for attempt in 1...count {
            stoppage(25_000)
            lastMade = random.chance(0.78)
            if lastMade {
                addPoints(1, to: team)
                emit(.freeThrow, team: team, points: 1, player: shooter, description: "\(shooter) makes free throw \(attempt) of \(count)")
            } else {
                emit(.miss, team: team, player: shooter, description: "\(shooter) misses free throw \(attempt) of \(count)")
            }
        }
        if lastMade {
            possession = 1 - team
            deadBall()
        } else {
            _ = rebound(after: team, offensiveChance: 0.15)
        }
    }

    private mutating func foul(by team: Int, description: String) {
        teamFouls[team] += 1
        let fouler = player(team)
        stoppage(15_000)
        emit(.foul, team: team, player: fouler, description: "\(fouler): \(description.lowercased())")
    }

    private mutating func timeout(team: Int) {
        guard timeoutsLeft[team] > 0 else { return }
        timeoutsLeft[team] -= 1
        stoppage(75_000)
        emit(.timeout, team: team, description: "\(codes[team]) timeout")
        if random.chance(0.5) { substitution(team: team) }
    }

    /// At a dead ball: a mandatory official timeout when one is due (the first stoppage under
    /// 7:00 and under 3:00), otherwise sometimes a team timeout, sometimes a substitution.
    private mutating func deadBall() {
        let dueUnder: [UInt32] = [420_000, 180_000]
        if officialTimeoutsTaken < dueUnder.count, state.clockMs < dueUnder[officialTimeoutsTaken] {
            officialTimeoutsTaken += 1
            stoppage(150_000)
            emit(.timeout, description: "Official timeout")
            substitution(team: random.int(in: 0...1))
            return
        }
        if random.chance(0.03) {
            timeout(team: random.int(in: 0...1))
        } else if random.chance(0.25) {
            substitution(team: random.int(in: 0...1))
        }
    }

    private mutating func substitution(team: Int) {
        let slot = random.int(in: 0...4)
        let bench = (0..<rosters[team].count).filter { !onCourt[team].contains($0) }
        let incoming = random.pick(bench)
        let outgoing = onCourt[team][slot]
        onCourt[team][slot] = incoming
        stoppage(5_000)
        emit(
            .substitution,
            team: team,
            player: rosters[team][incoming],
            description: "\(rosters[team][incoming]) enters for \(rosters[team][outgoing])"
        )
    }

    // MARK: Clock, score, events

    private var lastTwoMinutes: Bool {
        state.period >= periods.regulationPeriods && state.clockMs <= 120_000
    }

    /// Big leads shrink: a team 15 or more behind plays harder and shoots a little better, the
    /// team ahead coasts (without it, blowouts run away to implausible scores).
    private func momentum(_ team: Int) -> Double {
        let own = Int(team == Self.home ? state.homeScore : state.awayScore)
        let other = Int(team == Self.home ? state.awayScore : state.homeScore)
        if own - other >= 15 { return -0.03 }
        if other - own >= 15 { return 0.03 }
        return 0
    }

    private mutating func player(_ team: Int) -> String {
        rosters[team][random.pick(onCourt[team])]
    }

    private mutating func addPoints(_ points: UInt32, to team: Int) {
        if team == Self.home { state.homeScore += points } else { state.awayScore += points }
    }

    /// Game time passes (and the same wall time).
    private mutating func runClock(_ milliseconds: Int) {
        let used = UInt32(min(max(milliseconds, 0), Int(state.clockMs)))
        state.clockMs -= used
        gameElapsedMs += Int64(used)
        wallMs += Int64(used)
    }

    /// Wall time passes with the clock stopped (dropped when stoppages are not simulated).
    private mutating func stoppage(_ milliseconds: Int64) {
        if includeStoppages { wallMs += milliseconds }
    }

    private mutating func emit(
        _ kind: EventKind,
        team: Int? = nil,
        points: UInt32 = 0,
        player: String = "",
        description: String,
        running: Bool = false
    ) {
        count += 1
        state.clockRunning = running && state.clockMs > 0 && state.status == .live
        let wallOffsetMs = Int64((Double(wallMs) / speed).rounded())
        let event = Event(
            gameId: game.id,
            sourceId: "\(game.id)-\(count)",
            kind: kind,
            teamId: team.map { teams[$0] } ?? "",
            points: points,
            player: player,
            description: description,
            state: state,
            occurredAtMs: startTimeMs + wallOffsetMs
        )
        timeline.append(TimedEvent(gameElapsedMs: gameElapsedMs, wallOffsetMs: wallOffsetMs, event: event))
    }
}
