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

    @Option(help: "Only games of this team (an NBA tricode, or a team id such as wnba-IND).")
    var team: String?

    @Option(name: .customLong("league"), help: "Only games of this league: nba, wnba, … (repeatable, or comma-separated).")
    var leagues: [String] = []

    @OptionGroup var addresses: Addresses

    func validate() throws {
        _ = try LeagueOption.ids(leagues)
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
            let leagueIds = try LeagueOption.ids(leagues)
            try await LeagueOption.checkKnown(leagueIds, schedule: schedule)
            var token = ""
            repeat {
                let page = try await schedule.listGames(
                    ListGamesRequest(
                        dateFrom: day, dateTo: day, teamIds: team.map { [LeagueOption.teamId($0)] } ?? [], pageSize: 500,
                        pageToken: token, leagueIds: leagueIds),
                    options: CallOptions(timeout: .seconds(10))
                )
                games += page.games
                token = page.nextPageToken
            } while !token.isEmpty
        } catch let error as ValidationError {
            throw error
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
            let league = game.leagueId.isEmpty ? Leagues.nba.id : game.leagueId
            let line =
                "\(game.date) \(start)  \(game.id)  \(game.awayTeamId) @ \(game.homeTeamId)  \(Format.status(game.status))  [\(league)]"
            print(game.venue.isEmpty ? line : "\(line)  (\(game.venue))")
        }
    }
}
