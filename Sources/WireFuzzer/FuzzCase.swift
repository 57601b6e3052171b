import CourtsideProto
import CourtsideRPC
import GRPC
import GRPCWire

/// What one case of the RPC mode sends, and when its client walks away.
struct FuzzCase: Sendable {
    enum Walkaway: Sendable {
        /// The call runs to its end (a server stream: until its read budget, its deadline).
        case never
        /// A unary call is cancelled this long after it started.
        case afterDelay(Duration)
        /// A server stream is cancelled after this many responses (0: once its headers came).
        case afterResponses(Int)
        /// A client stream is cancelled after this many requests were sent.
        case afterRequests(Int)
    }

    let index: Int
    let target: RPCTarget
    /// The request messages, encoded: one, or a client stream's sequence (maybe none).
    let messages: [[UInt8]]
    /// What was changed in the valid requests; empty when every message is valid.
    let mutations: [String]
    let walkaway: Walkaway
    /// How long a server stream is read before its deadline ends it.
    let streamBudget: Duration
    /// A valid request made while a server stream is open (a publish for event streams, a status
    /// change for game watches), so that the stream's live path runs with what was mutated.
    let whileOpen: SideRequest?

    struct SideRequest: Sendable {
        let service: FuzzedService
        let method: MethodDescriptor
        let message: [UInt8]
        /// Made once the stream's headers came (streams that send them when registered), or
        /// at once (WatchGames sends its headers with its first change).
        let afterHeaders: Bool
    }

    var isMutated: Bool { !mutations.isEmpty }

    /// Builds a case from valid requests of the target: most get 1–3 structural mutations, some
    /// a byte-level one, a few none.
    static func plan(index: Int, target: RPCTarget, world: FuzzWorld, random: inout Generator) -> FuzzCase {
        let mutator = StructuralMutator(dictionary: world.dictionary, foreignMessages: FuzzWorld.foreignMessages)
        let count = target.kind == .clientStreaming ? Int.random(in: 0...4, using: &random) : 1
        var messages: [[UInt8]] = []
        var mutations: [String] = []
        for position in 0..<count {
            let valid = target.validRequest(&random, world)
            let prefix = count > 1 ? "message \(position): " : ""
            let roll = Double.random(in: 0..<1, using: &random)
            if roll < (target.kind == .clientStreaming ? 0.4 : 0.08) {
                messages.append(valid)
            } else if roll < 0.8, var message = WireMessage(parsing: valid) {
                for _ in 0..<random.pick([1, 1, 1, 1, 2, 2, 3]) {
                    mutations.append(prefix + mutator.mutate(&message, schema: target.requestSchema, random: &random))
                }
                messages.append(message.encoded)
            } else {
                let (bytes, description) = ByteMutator.mutate(valid, splice: target.validRequest(&random, world), random: &random)
                mutations.append(prefix + "bytes: " + description)
                messages.append(bytes)
            }
        }
        let walkaway: Walkaway
        switch target.kind {
        case .unary:
            walkaway = random.chance(0.1) ? .afterDelay(.microseconds(Int.random(in: 0...3000, using: &random))) : .never
        case .serverStreaming:
            walkaway = random.chance(0.5) ? .afterResponses(Int.random(in: 0...3, using: &random)) : .never
        case .clientStreaming:
            walkaway = random.chance(0.2) ? .afterRequests(Int.random(in: 0...count, using: &random)) : .never
        }
        var whileOpen: SideRequest?
        if target.kind == .serverStreaming {
            switch target.method.service {
            case ScoreServiceMethods.serviceName, SubscriptionServiceMethods.serviceName:
                whileOpen = SideRequest(
                    service: .score, method: ScoreServiceMethods.publishEvents,
                    message: (try? PublishEventsRequest(events: world.events(random: &random)).serializedBytes()) ?? [], afterHeaders: true
                )
            case ScheduleServiceMethods.serviceName:
                whileOpen = SideRequest(
                    service: .schedule, method: ScheduleServiceMethods.updateGameStatus,
                    message: (try? UpdateGameStatusRequest(gameId: random.pick(world.gameIDs), status: random.pick(GameStatus.specified))
                        .serializedBytes()) ?? [],
                    afterHeaders: false
                )
            default:
                whileOpen = nil
            }
        }
        return FuzzCase(
            index: index, target: target, messages: messages, mutations: mutations, walkaway: walkaway,
            streamBudget: .milliseconds(Int.random(in: 100...300, using: &random)), whileOpen: whileOpen
        )
    }
}
