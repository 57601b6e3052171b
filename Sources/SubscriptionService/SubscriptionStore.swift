public import CourtsideProto
import CourtsideRPC
import GRPC

/// Durable named subscriptions: a filter and the acknowledged position per game.
public protocol SubscriptionStore: Sendable {
    /// Creates a subscription; throws `ALREADY_EXISTS` if the name is taken, `RESOURCE_EXHAUSTED`
    /// if `maximumCount` subscriptions exist already.
    /// `owner` is the subject of the identity that creates it ("" when created anonymously).
    func create(name: String, filter: SubscriptionFilter, owner: String, createdAtMs: Int64, maximumCount: Int) async throws -> Subscription
    func get(name: String) async throws -> Subscription?
    /// The subject that created the subscription ("" for anonymous), nil if it does not exist.
    func owner(of name: String) async throws -> String?
    /// Returns whether it existed.
    func delete(name: String) async throws -> Bool
    func list() async throws -> [Subscription]
    /// Advances cursors; a cursor never moves backwards within an epoch (a different epoch
    /// replaces it). Returns the subscription after the change, nil if it does not exist.
    func acknowledge(name: String, positions: [GameCursor]) async throws -> Subscription?
    func close() async
}

extension SubscriptionStore {
    /// Creates a subscription owned by nobody (anonymous).
    public func create(name: String, filter: SubscriptionFilter, createdAtMs: Int64, maximumCount: Int) async throws -> Subscription {
        try await create(name: name, filter: filter, owner: "", createdAtMs: createdAtMs, maximumCount: maximumCount)
    }
}

/// The refusal of a subscription beyond the maximum count, shared by both stores.
enum SubscriptionLimit {
    static func reached(_ maximumCount: Int) -> RPCError {
        RPCError(.resourceExhausted, "the service already holds \(maximumCount) subscriptions, the most it keeps; delete one first")
    }
}

/// The merge rule of `acknowledge`, shared by both stores.
enum CursorMerge {
    static func merged(_ current: Position?, with acknowledged: Position) -> Position {
        guard let current, current.epoch == acknowledged.epoch else { return acknowledged }
        return acknowledged.seq > current.seq ? acknowledged : current
    }
}
