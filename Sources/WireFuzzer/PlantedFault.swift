import CourtsideProto
import CourtsideRPC
import GRPC

/// A deliberately broken copy of `ListEvents`, served only with `--fail-on-purpose`: it fails
/// with an error that is no RPCError (the gRPC layer answers UNKNOWN "internal error") for an
/// `after_seq` beyond Int64 or a `page_size` over 1000, the bug classes the score service once
/// had. A run that does not report it proves its mutations or its oracle miss what they claim
/// to catch.
struct PlantedFaultService: RPCService {
    static let listEvents = MethodDescriptor(service: "courtside.fuzz.v1.PlantedFault", method: "ListEvents")

    struct PlantedFault: Error {}

    var serviceNames: [String] { [Self.listEvents.service] }

    func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(Self.listEvents, request: ListEventsRequest.self, response: ListEventsResponse.self) { request, _ in
            if request.afterSeq > UInt64(Int64.max) || request.pageSize > 1000 { throw PlantedFault() }
            return ListEventsResponse()
        }
    }

    static let target = RPCTarget.make(.planted, listEvents, response: ListEventsResponse.self) { random, world in
        ListEventsRequest(
            gameId: random.pick(world.gameIDs), pageSize: UInt32.random(in: 0...20, using: &random),
            afterSeq: UInt64.random(in: 0...5, using: &random))
    }
}
