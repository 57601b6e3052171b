// courtside-subscription: the subscription service. See services/subscription/README.md.
import ServiceKit
import SubscriptionService

let command = ServiceCommand(
    name: "courtside-subscription",
    abstract: "Filtered live event streams and durable subscriptions (gRPC courtside.v1.SubscriptionService)."
)
let configuration = command.configuration(SubscriptionServer.Configuration.self)
let logger = command.logger("subscription", configuration)
await command.run(SubscriptionServer.self, configuration: configuration, logger: logger)
