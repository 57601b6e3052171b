// courtside-bridge: browsers' WebSocket, SSE and JSON, and the page. See services/bridge/README.md.
import Bridge
import ServiceKit

let command = ServiceCommand(
    name: "courtside-bridge",
    abstract: "Live scores for browsers: the page, WebSocket (/ws) and SSE (/events) JSON, and the JSON API (/api)."
)
let configuration = command.configuration(BridgeConfiguration.self)
let logger = command.logger("bridge", configuration)
await command.run(BridgeServer.self, configuration: configuration, logger: logger)
