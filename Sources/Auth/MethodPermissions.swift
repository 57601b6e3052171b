public import GRPCWire

/// What a caller needs to call a method.
public enum MethodPermission: Sendable, Equatable {
    /// Anyone, with or without a token (health).
    case open
    /// A read: anyone unless reads need a token, in which case the `scores:read` scope.
    /// `identifying` reads verify a token when one is sent even when reads are open, because
    /// the handler acts on who calls (a durable subscription is only its owner's to consume).
    case read(identifying: Bool)
    /// A token granting this scope.
    case scope(String)
}

/// The permission of every Courtside method (docs/auth.md). A method that is not listed needs
/// `admin`, so that a method added later is closed until it is given a permission here.
public struct MethodPermissions: Sendable {
    public var requireReadToken: Bool

    public init(requireReadToken: Bool) {
        self.requireReadToken = requireReadToken
    }

    static let table: [String: MethodPermission] = [
        "/courtside.v1.ScoreService/PublishEvents": .scope(Scope.publishScores),
        "/courtside.v1.ScoreService/PublishEventStream": .scope(Scope.publishScores),
        "/courtside.v1.ScoreService/GetSnapshots": .read(identifying: false),
        "/courtside.v1.ScoreService/StreamEvents": .read(identifying: false),
        "/courtside.v1.ScoreService/ListEvents": .read(identifying: false),
        "/courtside.v1.ScheduleService/ListLeagues": .read(identifying: false),
        "/courtside.v1.ScheduleService/ListTeams": .read(identifying: false),
        "/courtside.v1.ScheduleService/ListGames": .read(identifying: false),
        "/courtside.v1.ScheduleService/GetGame": .read(identifying: false),
        "/courtside.v1.ScheduleService/WatchGames": .read(identifying: false),
        "/courtside.v1.ScheduleService/UpsertGames": .scope(Scope.writeSchedule),
        "/courtside.v1.ScheduleService/UpdateGameStatus": .scope(Scope.writeSchedule),
        "/courtside.v1.SubscriptionService/Subscribe": .read(identifying: true),
        "/courtside.v1.SubscriptionService/GetSubscription": .read(identifying: false),
        "/courtside.v1.SubscriptionService/ListSubscriptions": .read(identifying: false),
        "/courtside.v1.SubscriptionService/CreateSubscription": .scope(Scope.manageSubscriptions),
        "/courtside.v1.SubscriptionService/DeleteSubscription": .scope(Scope.manageSubscriptions),
        "/courtside.v1.SubscriptionService/Acknowledge": .scope(Scope.consumeSubscriptions),
        "/grpc.health.v1.Health/Check": .open,
        "/grpc.health.v1.Health/Watch": .open,
    ]

    /// The table by descriptor: looked up on every call, where building the path would allocate.
    static let byMethod: [MethodDescriptor: MethodPermission] = Dictionary(
        uniqueKeysWithValues: table.map { path, permission in (MethodDescriptor(path: path)!, permission) }
    )

    public func permission(for method: MethodDescriptor) -> MethodPermission {
        Self.byMethod[method] ?? .scope(Scope.admin)
    }

    /// The method as a metric label: its name when it is one of the table's, else "other".
    public static func label(for method: MethodDescriptor) -> String {
        byMethod[method] == nil ? "other" : method.method
    }
}
