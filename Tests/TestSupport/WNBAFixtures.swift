import Foundation
import Testing

/// WNBA games derived from real NBA fixtures by stated minimal edits (there is no WNBA
/// Sportradar payload among the fixtures): shared by the parser tests and the replay tests.
public enum WNBAFixtures {
    public typealias Object = [String: Any]

    /// Seconds left in a clock text (`PT11M58.00S` or `11:58`) scaled from a 12-minute quarter to
    /// a 10-minute one (5-minute overtimes unchanged), written back in the same form.
    public static func scaled(_ clock: String, period: Int) -> String {
        let digits = clock.split { !$0.isNumber && $0 != "." }.compactMap { Double($0) }
        guard digits.count == 2 else { return clock }
        let seconds = Int(digits[0] * 60 + digits[1])
        let kept = period > 4 ? seconds : seconds * 10 / 12
        return clock.hasPrefix("PT")
            ? String(format: "PT%02dM%02d.00S", kept / 60, kept % 60) : String(format: "%d:%02d", kept / 60, kept % 60)
    }

    /// The real Sportradar game (NOP v SAC) as a WNBA game's (minimal edits: the teams' aliases
    /// IND and LVA, the regulation clocks scaled to 10-minute quarters).
    public static func sportradar(editing edit: (inout Object) -> Void = { _ in }) throws -> [UInt8] {
        var root = try #require(try Fixtures.json(Fixtures.sportradarFullGame) as? Object)
        for (side, alias) in [("home", "IND"), ("away", "LVA")] {
            var team = try #require(root[side] as? Object)
            team["alias"] = alias
            root[side] = team
        }
        var periods = try #require(root["periods"] as? [Object])
        for index in periods.indices {
            let period = periods[index]["sequence"] as? Int ?? 1
            periods[index]["events"] = (periods[index]["events"] as? [Object] ?? []).map { event in
                var event = event
                if let clock = event["clock"] as? String { event["clock"] = scaled(clock, period: period) }
                return event
            }
        }
        root["periods"] = periods
        edit(&root)
        return try Fixtures.encode(root)
    }
}
