import ArgumentParser
import CourtsideProto
import CourtsideRPC
import GRPC

/// The `--league` option of `games` and `watch`: league ids, repeatable or comma-separated,
/// checked against the schedule's leagues before anything is listed or followed.
enum LeagueOption {
    /// The most leagues one command may name (the bridge's limit too).
    static let maximum = 20

    /// The distinct ids of the `--league` values, in order.
    static func ids(_ values: [String]) throws -> [String] {
        var result: [String] = []
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let id = String(part)
                guard !id.isEmpty, id.utf8.count <= 32,
                    id.utf8.allSatisfy({ byte in
                        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                            || byte == UInt8(ascii: "-")
                    })
                else {
                    throw ValidationError(
                        "--league takes league ids such as nba or wnba (lowercase letters, digits, '-'; got '\(id.prefix(64))')")
                }
                if !result.contains(id) { result.append(id) }
            }
        }
        guard result.count <= maximum else { throw ValidationError("--league names \(result.count) leagues; at most \(maximum)") }
        return result
    }

    /// Throws a one-line error naming the leagues the schedule does not know (and the ones it does).
    static func checkKnown(_ ids: [String], schedule: ScheduleServiceClient) async throws {
        guard !ids.isEmpty else { return }
        let known = try await schedule.listLeagues(ListLeaguesRequest(), options: CallOptions(timeout: .seconds(10))).leagues.map(\.id)
        let unknown = ids.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("no such league: \(unknown.joined(separator: ", ")) (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// A `--team` value as the schedule's id: an NBA tricode is upper-cased ("bos" → "BOS"); an
    /// id with a league prefix ("wnba-IND") is taken as written.
    static func teamId(_ value: String) -> String {
        value.contains("-") ? value : value.uppercased()
    }
}
