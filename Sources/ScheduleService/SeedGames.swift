import CourtsideDomain
public import CourtsideProto
public import Foundation

/// Reads games from a JSON file (`--seed-games`), for a schedule that starts with games in it.
///
/// The file holds an array of games, or an object with a `games` array. Field names are the
/// proto's (`home_team_id`) or their JSON spelling (`homeTeamId`):
///
/// ```json
/// {"games": [
///   {"id": "0022500001", "home_team_id": "BOS", "away_team_id": "NYK",
///    "start_time": "2025-10-21T23:30:00Z", "date": "2025-10-21", "venue": "TD Garden"}
/// ]}
/// ```
/// `start_time` (RFC 3339) or `start_time_ms` gives the tip-off; `status` is optional
/// ("scheduled" by default; "live" and "GAME_STATUS_LIVE" are both accepted); `venue` may be
/// left out. Games are checked like `UpsertGames` requests when they are loaded.
public enum SeedGames {
    /// A seed file that cannot be used; the message names the file, the game and the field.
    public struct LoadError: Error, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(LoadError) -> [Game] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(description: "seed games file \(path): cannot read it: \(error.localizedDescription)")
        }
        do {
            return try parse(data)
        } catch {
            throw LoadError(description: "seed games file \(path): \(error.description)")
        }
    }

    /// Parses seed games from JSON text.
    public static func parse(_ data: Data) throws(LoadError) -> [Game] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw LoadError(description: "not valid JSON: \(error.localizedDescription)")
        }
        let items: [Any]
        if let array = root as? [Any] {
            items = array
        } else if let object = root as? [String: Any], let array = object["games"] as? [Any] {
            items = array
        } else {
            throw LoadError(description: "expected an array of games or an object with a \"games\" array")
        }
        var games: [Game] = []
        for (index, item) in items.enumerated() {
            guard let object = item as? [String: Any] else {
                throw LoadError(description: "games[\(index)]: expected an object")
            }
            games.append(try game(object, index: index))
        }
        return games
    }

    private static func game(_ object: [String: Any], index: Int) throws(LoadError) -> Game {
        func fail(_ field: String, _ why: String) -> LoadError {
            let id = (object["id"] as? String).map { " (id \"\($0)\")" } ?? ""
            return LoadError(description: "games[\(index)]\(id): \(field): \(why)")
        }
        func string(_ field: String, _ camel: String, required: Bool) throws(LoadError) -> String? {
            guard let value = object[field] ?? object[camel] else {
                if required { throw fail(field, "missing") }
                return nil
            }
            guard let text = value as? String else { throw fail(field, "expected a string") }
            return text
        }
        var game = Game()
        game.id = try string("id", "id", required: true) ?? ""
        game.homeTeamId = try string("home_team_id", "homeTeamId", required: true) ?? ""
        game.awayTeamId = try string("away_team_id", "awayTeamId", required: true) ?? ""
        game.date = try string("date", "date", required: true) ?? ""
        game.venue = try string("venue", "venue", required: false) ?? ""
        if let milliseconds = object["start_time_ms"] ?? object["startTimeMs"] {
            // JSON numbers, and strings as proto3 JSON writes 64-bit integers.
            if let number = milliseconds as? NSNumber, let value = Int64(exactly: number.doubleValue) {
                game.startTimeMs = value
            } else if let text = milliseconds as? String, let value = Int64(text) {
                game.startTimeMs = value
            } else {
                throw fail("start_time_ms", "expected an integer")
            }
        } else if let text = try string("start_time", "startTime", required: false) {
            guard let date = parseTimestamp(text) else {
                throw fail("start_time", "\"\(text)\" is not an RFC 3339 time such as 2025-10-21T23:30:00Z")
            }
            game.startTimeMs = UnixTime.milliseconds(date)
        } else {
            throw fail("start_time", "missing (give start_time or start_time_ms)")
        }
        if let text = try string("status", "status", required: false) {
            guard let status = GameStatus(name: text) else {
                throw fail("status", "\"\(text)\" is not a status (scheduled, live, halftime, final, postponed, cancelled)")
            }
            game.status = status
        } else {
            game.status = .scheduled
        }
        return game
    }

    private static func parseTimestamp(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
