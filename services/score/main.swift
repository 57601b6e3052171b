// courtside-score: the score service. See services/score/README.md.
import ScoreService
import ServiceKit

let command = ServiceCommand(
    name: "courtside-score", abstract: "The ordered, resumable truth about every game in play (gRPC courtside.v1.ScoreService)."
)
let configuration = command.configuration(ScoreServer.Configuration.self)
let logger = command.logger("score", configuration)
await command.run(ScoreServer.self, configuration: configuration, logger: logger)
