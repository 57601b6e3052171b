import Auth
import CourtsideJSON

/// Turns the text of a client message into a `ClientMessage`, enforcing `ClientMessage` of
/// docs/protocol.schema.json exactly, and classifying failures in the order of §6: not JSON or
/// not an object → `bad_request`; no string `type` → `bad_request`; an unknown `type` →
/// `unknown_type`; fails the schema for its type → `bad_request`.
public enum ClientMessageDecoder {
    /// Decodes and validates one message.
    public static func decode(_ bytes: [UInt8]) -> Result<ClientMessage, ClientMessageError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, options: .clientMessage)
        } catch {
            return .failure(ClientMessageError(code: .badRequest, message: "not valid JSON: \(error.message) at byte \(error.offset)"))
        }
        guard case .object(let members) = value else {
            return .failure(ClientMessageError(code: .badRequest, message: "a message must be a JSON object, not \(value.typeName)"))
        }
        var ref: String?
        if case .string(let id)? = value["id"], ProtocolIds.isRequestId(id) { ref = id }
        guard let typeValue = value["type"] else {
            return .failure(ClientMessageError(code: .badRequest, message: "a message needs a \"type\"", ref: ref))
        }
        guard case .string(let type) = typeValue else {
            return .failure(
                ClientMessageError(code: .badRequest, message: "\"type\" must be a string, not \(typeValue.typeName)", ref: ref))
        }
        do {
            switch type {
            case "subscribe":
                return .success(.subscribe(try subscribe(members)))
            case "unsubscribe":
                return .success(.unsubscribe(try unsubscribe(members)))
            case "ping":
                try checkMembers(members, allowed: ["type", "id"], type: type)
                return .success(.ping(id: try requestId(value["id"])))
            case "token":
                try checkMembers(members, allowed: ["type", "token", "id"], type: type)
                return .success(.token(try token(value["token"]), id: try requestId(value["id"])))
            default:
                return .failure(
                    ClientMessageError(
                        code: .unknownType, message: "unknown message type \"\(type.excerpt)\": use subscribe, unsubscribe, ping or token",
                        ref: ref
                    )
                )
            }
        } catch {
            return .failure(ClientMessageError(code: .badRequest, message: error.message, ref: ref))
        }
    }

    /// A schema violation.
    struct Invalid: Error {
        var message: String
    }

    private static func subscribe(_ members: [(String, JSONValue)]) throws(Invalid) -> ClientMessage.Subscribe {
        try checkMembers(members, allowed: ["type", "games", "teams", "allLive", "leagues", "resume", "id"], type: "subscribe")
        var message = ClientMessage.Subscribe()
        for (name, value) in members {
            switch name {
            case "games": message.games = try ids(value, field: "games", check: ProtocolIds.isGameId, what: "a game id")
            case "teams": message.teams = try ids(value, field: "teams", check: ProtocolIds.isTeamId, what: "a team id")
            case "allLive": message.allLive = try boolean(value, field: "allLive")
            case "leagues": message.leagues = try leagues(value)
            case "resume": message.resume = try resume(value)
            case "id": message.id = try requestId(value)
            default: break
            }
        }
        return message
    }

    private static func unsubscribe(_ members: [(String, JSONValue)]) throws(Invalid) -> ClientMessage.Unsubscribe {
        try checkMembers(members, allowed: ["type", "games", "teams", "allLive", "leagues", "id"], type: "unsubscribe")
        var message = ClientMessage.Unsubscribe()
        for (name, value) in members {
            switch name {
            case "games": message.games = try ids(value, field: "games", check: ProtocolIds.isGameId, what: "a game id")
            case "teams": message.teams = try ids(value, field: "teams", check: ProtocolIds.isTeamId, what: "a team id")
            case "allLive": message.allLive = try boolean(value, field: "allLive")
            case "leagues": message.leagues = try leagues(value)
            case "id": message.id = try requestId(value)
            default: break
            }
        }
        return message
    }

    private static func checkMembers(_ members: [(String, JSONValue)], allowed: Set<String>, type: String) throws(Invalid) {
        for (name, _) in members where !allowed.contains(name) {
            throw Invalid(message: "unknown field \"\(name.excerpt)\" in \(type)")
        }
    }

    private static func ids(_ value: JSONValue, field: String, check: (String) -> Bool, what: String) throws(Invalid) -> [String] {
        guard case .array(let elements) = value else {
            throw Invalid(message: "\"\(field)\" must be an array, not \(value.typeName)")
        }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let text) = element, check(text) else {
                let shown = if case .string(let text) = element { "\"\(text.excerpt)\"" } else { element.typeName }
                let longest = field == "teams" ? ProtocolIds.teamIdMaximum : field == "leagues" ? ProtocolIds.leagueIdMaximum : 64
                throw Invalid(message: "\"\(field)\" holds \(shown), which is not \(what) (1–\(longest) of A–Z a–z 0–9 _ . -)")
            }
            result.append(text)
        }
        return result
    }

    /// League ids, at most `ProtocolIds.maximumLeagues` of them (checked before each is read).
    private static func leagues(_ value: JSONValue) throws(Invalid) -> [String] {
        if case .array(let elements) = value, elements.count > ProtocolIds.maximumLeagues {
            throw Invalid(message: "\"leagues\" names \(elements.count) leagues; at most \(ProtocolIds.maximumLeagues)")
        }
        return try ids(value, field: "leagues", check: ProtocolIds.isLeagueId, what: "a league id")
    }

    private static func boolean(_ value: JSONValue, field: String) throws(Invalid) -> Bool {
        guard case .bool(let flag) = value else { throw Invalid(message: "\"\(field)\" must be a boolean, not \(value.typeName)") }
        return flag
    }

    private static func token(_ value: JSONValue?) throws(Invalid) -> String {
        guard let value else { throw Invalid(message: "token needs \"token\"") }
        guard case .string(let token) = value else { throw Invalid(message: "\"token\" must be a string, not \(value.typeName)") }
        guard !token.isEmpty, token.utf8.count <= BearerToken.maximumBytes else {
            throw Invalid(message: "\"token\" must be 1–\(BearerToken.maximumBytes) bytes")
        }
        return token
    }

    private static func requestId(_ value: JSONValue?) throws(Invalid) -> String? {
        guard let value else { return nil }
        guard case .string(let id) = value else { throw Invalid(message: "\"id\" must be a string, not \(value.typeName)") }
        guard ProtocolIds.isRequestId(id) else { throw Invalid(message: "\"id\" must be 1–64 characters") }
        return id
    }

    private static func resume(_ value: JSONValue) throws(Invalid) -> [String: GamePosition] {
        guard case .object(let entries) = value else {
            throw Invalid(message: "\"resume\" must be an object (game id → position), not \(value.typeName)")
        }
        var result: [String: GamePosition] = [:]
        for (gameId, position) in entries {
            guard ProtocolIds.isGameId(gameId) else {
                throw Invalid(message: "\"resume\" has the key \"\(gameId.excerpt)\", which is not a game id")
            }
            guard case .object(let fields) = position else {
                throw Invalid(message: "resume[\"\(gameId)\"] must be an object {\"epoch\", \"seq\"}, not \(position.typeName)")
            }
            for (name, _) in fields where name != "epoch" && name != "seq" {
                throw Invalid(message: "unknown field \"\(name.excerpt)\" in resume[\"\(gameId)\"]")
            }
            guard let epoch = position["epoch"] else { throw Invalid(message: "resume[\"\(gameId)\"] needs \"epoch\"") }
            guard let seq = position["seq"] else { throw Invalid(message: "resume[\"\(gameId)\"] needs \"seq\"") }
            result[gameId] = GamePosition(
                epoch: try count(epoch, field: "resume[\"\(gameId)\"].epoch"),
                seq: try count(seq, field: "resume[\"\(gameId)\"].seq")
            )
        }
        return result
    }

    private static func count(_ value: JSONValue, field: String) throws(Invalid) -> UInt64 {
        guard case .number(let number) = value, let integer = number.unsigned(maximum: ProtocolIds.maximumInteger) else {
            throw Invalid(message: "\(field) must be an integer between 0 and 2^53 − 1")
        }
        return integer
    }
}
