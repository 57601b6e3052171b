public import CourtsideProto

/// Places a provider's play-by-play on a timeline, to replay a recorded game at real or
/// accelerated speed.
public enum ReplayTimeline {
    /// The latest wall offset (about 35,000 years): a tiny speed or a provider's absurd
    /// timestamps make a game that never ends, not an offset that overflows when added to a clock.
    public static let maximumOffsetMs: Int64 = 1 << 50

    /// The events of a replay with their offsets from the first event.
    ///
    /// The wall offset follows the provider's timestamps (`occurredAtMs`) where it has them — made
    /// monotonic, since providers' timestamps are not (NBA `timeActual`, Sportradar `updated`) —
    /// and the game clock otherwise; both are divided by `speed`.
    ///
    /// - Parameters:
    ///   - events: one game's events, in order.
    ///   - speed: 1 for real time, 24 to play 48 game minutes in 2 wall minutes.
    public static func timeline(for events: [Event], speed: Double = 1) -> [TimedEvent] {
        let speed = speed > 0 && speed.isFinite ? speed : 1
        let useTimestamps = !events.isEmpty && events.allSatisfy { $0.occurredAtMs > 0 }
        let firstTimestamp = events.first?.occurredAtMs ?? 0
        var realOffset: Int64 = 0
        return events.map { event in
            let state = event.state ?? GameState()
            let elapsed = GameClock.elapsedMs(period: state.period, clockMs: state.clockMs)
            realOffset = max(realOffset, useTimestamps ? event.occurredAtMs - firstTimestamp : elapsed)
            return TimedEvent(
                gameElapsedMs: elapsed,
                wallOffsetMs: Int64(min(Double(realOffset) / speed, Double(maximumOffsetMs)).rounded()),
                event: event
            )
        }
    }
}
