// courtside-feed: the feed service. See services/feed/README.md.
import FeedService
import ServiceKit

let command = ServiceCommand(
    name: "courtside-feed", abstract: "Publishes a data source's games and events to the schedule and score services.")
let configuration = command.configuration(FeedConfiguration.self)
let logger = command.logger("feed", configuration)
await command.run(FeedServer.self, configuration: configuration, logger: logger)
