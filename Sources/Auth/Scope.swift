/// The scopes a token may grant (docs/auth.md has the table of methods).
public enum Scope {
    /// PublishEvents and PublishEventStream on the score service.
    public static let publishScores = "scores:publish"
    /// UpsertGames and UpdateGameStatus on the schedule service.
    public static let writeSchedule = "schedule:write"
    /// CreateSubscription and DeleteSubscription (of one's own) on the subscription service.
    public static let manageSubscriptions = "subscriptions:manage"
    /// Subscribe through and Acknowledge a durable subscription (of one's own).
    public static let consumeSubscriptions = "subscriptions:consume"
    /// Every read method, when reads need a token (`--require-read-token`).
    public static let read = "scores:read"
    /// Every method, and other identities' durable subscriptions.
    public static let admin = "admin"

    public static let all = [publishScores, writeSchedule, manageSubscriptions, consumeSubscriptions, read, admin]
}
