import CourtsideDomain
package import CourtsideProto

/// What the score service has of one game that the play-by-play poller follows, and what a new
/// payload of that game's play-by-play adds to it.
///
/// Each poll rebuilds the whole game from the provider's plays (with the glitch rules of the
/// play-by-play builder); what is published is what the score service does not have yet, by
/// source id, so a play seen again (the next poll, a restart) changes nothing. When the provider
/// has since edited or deleted a published scoring play, or inserted a play before published
/// ones, the score the service has is no longer the provider's: one correction brings it to the
/// provider's score at the last published play (its source id names that score and play, so a
/// restart re-sends the same correction, which the score service folds).
///
/// Pure (the play-by-play poller of `FeedService` keeps one per followed game; the feed benchmark
/// measures it), so `package` rather than public.
package struct PublishedPlays {
    /// A published scoring play, as it was published.
    private struct Scoring: Equatable {
        var points: UInt32
        var teamId: String
    }

    package let gameId: String
    /// The state after the newest published event; nil before the first.
    package private(set) var state: GameState?
    private var sourceIds: Set<String> = []
    private var scoring: [String: Scoring] = [:]

    /// What one payload adds.
    package struct Update {
        /// The events to publish, in order.
        package var events: [Event] = []
        /// Scoring plays the provider changed or took out since they were published.
        package var revisedPlays: [String] = []
        /// Plays listed before already published ones; published with the current state.
        package var latePlays = 0
        /// New events behind the stored state that no published play anchors (left out).
        package var behind = 0
    }

    package init(gameId: String) {
        self.gameId = gameId
    }

    /// Starts from the events the score service has of the game (after a restart), oldest first.
    package init(gameId: String, stored: [Event]) {
        self.gameId = gameId
        for event in stored { record(event) }
    }

    /// The events of `feed` (one full payload of the game) to publish, recorded as published.
    package mutating func update(with feed: GameFeed) -> Update {
        var update = Update()
        let lastPublished = feed.events.lastIndex { sourceIds.contains($0.sourceId) }
        // Nearly every poll still has each published scoring play as it was: seen by looking up
        // its scoring events alone. A feed's source ids are unique (``GameFeed/events`` obey the
        // score service's rules), so as many of them as there are published scoring plays means
        // none was changed or taken out; otherwise every event is looked up.
        var unchanged = 0
        for event in feed.events where event.points > 0 && event.kind != .correction {
            if let published = scoring[event.sourceId], published == Self.scoring(of: event) { unchanged += 1 }
        }
        var present: [String: Scoring] = [:]
        if unchanged != scoring.count {
            present.reserveCapacity(scoring.count)
            for event in feed.events where scoring[event.sourceId] != nil {
                present[event.sourceId] = Self.scoring(of: event)
            }
            update.revisedPlays = scoring.keys.filter { present[$0] != scoring[$0] }.sorted()
        }

        // The provider's score at the last published play, against the one published.
        if let lastPublished, var current = state, let target = feed.events[lastPublished].state {
            for index in 0..<lastPublished where !sourceIds.contains(feed.events[index].sourceId) {
                var late = feed.events[index]
                late.state = current
                update.latePlays += 1
                append(late, to: &update)
            }
            if target.homeScore != current.homeScore || target.awayScore != current.awayScore {
                current.homeScore = target.homeScore
                current.awayScore = target.awayScore
                current.clockRunning = false
                let anchor = feed.events[lastPublished]
                let correction = Event(
                    gameId: gameId,
                    sourceId: "\(anchor.sourceId)-revised@\(target.homeScore)-\(target.awayScore)",
                    kind: .correction,
                    description: "Score corrected to the provider's \(target.homeScore)–\(target.awayScore)",
                    state: current,
                    occurredAtMs: anchor.occurredAtMs
                )
                append(correction, to: &update)
            }
        }
        let firstNew = lastPublished.map { $0 + 1 } ?? 0
        for event in feed.events[firstNew...] where !sourceIds.contains(event.sourceId) {
            if let current = state, let next = event.state, Self.isBehind(next, current, kind: event.kind) {
                update.behind += 1
                continue
            }
            append(event, to: &update)
        }
        for sourceId in update.revisedPlays { scoring[sourceId] = present[sourceId] }
        return update
    }

    /// Records an event as published.
    package mutating func record(_ event: Event) {
        sourceIds.insert(event.sourceId)
        if event.points > 0, event.kind != .correction { scoring[event.sourceId] = Self.scoring(of: event) }
        if let next = event.state { state = next }
    }

    private mutating func append(_ event: Event, to update: inout Update) {
        guard !sourceIds.contains(event.sourceId) else { return }
        record(event)
        update.events.append(event)
    }

    /// Whether an event would take the game back, which the score service refuses: an earlier
    /// period, or outside a correction a lower score or anything after the final.
    private static func isBehind(_ next: GameState, _ current: GameState, kind: EventKind) -> Bool {
        !ScoreRules.violations(from: current, to: next, kind: kind).isEmpty
    }

    private static func scoring(of event: Event) -> Scoring {
        Scoring(points: event.points, teamId: event.teamId)
    }
}
