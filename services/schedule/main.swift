// courtside-schedule: the schedule service. See services/schedule/README.md.
import ScheduleService
import ServiceKit

let command = ServiceCommand(
    name: "courtside-schedule", abstract: "Teams, games, start times, venues and game status (gRPC courtside.v1.ScheduleService)."
)
let configuration = command.configuration(ScheduleServer.Configuration.self)
let logger = command.logger("schedule", configuration)
await command.run(ScheduleServer.self, configuration: configuration, logger: logger)
