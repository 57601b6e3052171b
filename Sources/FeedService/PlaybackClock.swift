/// The clock a timeline is played on: milliseconds since the feed started, minus the time the
/// source spent paused because the buffer was full. Pausing it is what "pause the simulator
/// clock rather than drop" means: after a score-service outage, games resume where they stopped.
struct PlaybackClock: Sendable {
    private let origin = ContinuousClock.now
    private var paused: Duration = .zero
    /// The epoch time (ms) at playback time 0.
    let originEpochMs: Int64

    /// A clock starting now; `originEpochMs` is the current epoch time.
    init(originEpochMs: Int64) {
        self.originEpochMs = originEpochMs
    }

    /// Playback milliseconds since the start.
    var nowMs: Int64 {
        Self.milliseconds((ContinuousClock.now - origin) - paused)
    }

    /// Stops the clock for `duration` (after the fact: the time a push waited).
    mutating func pause(for duration: Duration) {
        paused += duration
    }

    /// Sleeps until playback time `ms` (at once if it has passed).
    func sleep(untilMs ms: Int64) async throws {
        let wait = ms - nowMs
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
