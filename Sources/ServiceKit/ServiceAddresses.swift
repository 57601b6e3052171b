import Foundation

/// Where the other services are, as the services that call them (and the `courtside` CLI)
/// name them.
public enum ServiceAddresses {
    public static let score = Setting.address("score-addr", default: "127.0.0.1:50051", help: "host:port of the score service.")
    public static let schedule = Setting.address("schedule-addr", default: "127.0.0.1:50052", help: "host:port of the schedule service.")
    public static let subscription = Setting.address(
        "subscription-addr", default: "127.0.0.1:50053", help: "host:port of the subscription service."
    )
}

/// How the bridge and the subscription service ask the schedule service about a game its
/// `WatchGames` stream has not told of yet (the first item of a game just created).
public enum ScheduleLookupSettings {
    public static let timeout = Setting.seconds(
        "schedule-lookup-timeout-seconds", default: .seconds(2), in: 0.001...60,
        help: "Seconds the first item of a game the schedule has not told of waits for its GetGame (the items behind it wait too)."
    )
    public static let retry = Setting.seconds(
        "schedule-lookup-retry-seconds", default: .seconds(5), in: 0.001...3600,
        help: "After GetGame failed, no game is asked for this long; after it found no such game, that game is not. "
            + "Doubles while it repeats, to 60 s or this."
    )
}

extension Setting {
    /// The value of the setting's environment variable, unchecked, else its default: for a tool
    /// that takes the same variables as the services but checks values itself.
    public func environmentValue() -> String where Value == String {
        ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
    }
}
