import CourtsideDomain
import CourtsideProto
import Testing

@Suite struct ScoreRulesTests {
    let halftime = GameState(homeScore: 50, awayScore: 48, period: 2, status: .halftime)

    func state(_ status: GameStatus, _ home: UInt32, _ away: UInt32, period: UInt32) -> GameState {
        GameState(homeScore: home, awayScore: away, period: period, status: status)
    }

    @Test func scoresGoUpAndPeriodsForward() {
        #expect(ScoreRules.violations(from: halftime, to: state(.live, 52, 48, period: 3), kind: .basket).isEmpty)
        #expect(ScoreRules.violations(from: halftime, to: halftime, kind: .timeout).isEmpty)
    }

    @Test func aScoreGoesDownOnlyInACorrection() {
        let lower = state(.halftime, 48, 45, period: 2)
        #expect(
            ScoreRules.violations(from: halftime, to: lower, kind: .basket)
                == [.homeScoreDown(from: 50, to: 48), .awayScoreDown(from: 48, to: 45)]
        )
        #expect(ScoreRules.violations(from: halftime, to: lower, kind: .correction).isEmpty)
    }

    @Test func aPeriodNeverGoesBackEvenInACorrection() {
        let earlier = state(.live, 50, 48, period: 1)
        #expect(ScoreRules.violations(from: halftime, to: earlier, kind: .basket) == [.periodBackwards(from: 2, to: 1)])
        #expect(ScoreRules.violations(from: halftime, to: earlier, kind: .correction) == [.periodBackwards(from: 2, to: 1)])
    }

    @Test func onlyACorrectionFollowsFinal() {
        let final = state(.final, 100, 90, period: 4)
        #expect(ScoreRules.violations(from: final, to: final, kind: .basket) == [.afterFinal(kind: .basket)])
        #expect(ScoreRules.violations(from: final, to: state(.final, 98, 90, period: 4), kind: .correction).isEmpty)
        // Everything broken at once, in the documented order.
        #expect(
            ScoreRules.violations(from: final, to: state(.final, 99, 89, period: 3), kind: .foul)
                == [
                    .afterFinal(kind: .foul), .homeScoreDown(from: 100, to: 99), .awayScoreDown(from: 90, to: 89),
                    .periodBackwards(from: 4, to: 3),
                ]
        )
    }

    @Test func liveMeansLiveOrHalftime() {
        #expect(GameStatus.live.isLive && GameStatus.halftime.isLive)
        for status in [GameStatus.unspecified, .scheduled, .final, .postponed, .cancelled, GameStatus(rawValue: 99)] {
            #expect(!status.isLive, "\(status)")
        }
    }
}
