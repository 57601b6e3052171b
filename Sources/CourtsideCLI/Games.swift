import ArgumentParser
import CourtsideDomain
import CourtsideProto
import CourtsideRPC
import Foundation
import GRPC

struct Games: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the schedule (from the schedule service).")

    @Option(help: "A game date (US Eastern, the date games are scheduled under), YYYY-MM-DD, 'today' or 'all' (default: today).")
    var date: String = "today"

    @Option(help: "Only games of this team (tricode).")
    var team: String?

    @OptionGroup var addresses: Addresses

    func validate() throws {
        if date != "today" && date != "all" {
            guard GameDate.isCalendarDate(date) else {
                throw ValidationError("--date must be YYYY-MM-DD, 'today' or 'all' (got '\(date)')")
            }
        }
    }

    func run() async throws {
        let client = try addresses.client(addresses.scheduleAddr, "--schedule-addr")
        defer { client.close() }
        let schedule = ScheduleServiceClient(client)
        let day: String
        if date == "today" {
            day = GameDate.today()
        } else {
            day = date == "all" ? "" : date
        }
        var games: [Game] = []
        do {
            var token = ""
            repeat {
                let page = try await schedule.listGames(
                    ListGamesRequest(
                        dateFrom: day, dateTo: day, teamIds: team.map { [$0.uppercased()] } ?? [], pageSize: 500, pageToken: token),
                    options: CallOptions(timeout: .seconds(10))
                )
                games += page.games
                token = page.nextPageToken
            } while !token.isEmpty
        } catch {
            throw explain(error, service: "schedule", address: addresses.scheduleAddr)
        }
        if games.isEmpty {
            print(day.isEmpty ? "no games" : "no games on \(day)")
            return
        }
        let startFormatter = DateFormatter()
        startFormatter.dateFormat = "HH:mm"
        for game in games {
            let start = startFormatter.string(from: UnixTime.date(ms: game.startTimeMs))
            let line = "\(game.date) \(start)  \(game.id)  \(game.awayTeamId) @ \(game.homeTeamId)  \(Format.status(game.status))"
            print(game.venue.isEmpty ? line : "\(line)  (\(game.venue))")
        }
    }
}
