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

extension Setting {
    /// The value of the setting's environment variable, unchecked, else its default: for a tool
    /// that takes the same variables as the services but checks values itself.
    public func environmentValue() -> String where Value == String {
        ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
    }
}
