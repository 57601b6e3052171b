import CourtsideJSON
package import CourtsideProto

/// One game's play-by-play read poll after poll, each poll built on what the previous one built:
/// the result of every poll is the one of reading its payload afresh (``NBAPlayByPlayAdapter``,
/// ``ESPNSummaryAdapter``, which use a fresh one), only cheaper when little changed.
///
/// The payload is read whole each time (a tape of where each value is). Each play whose bytes are
/// the same as in the previous payload, at the same place in the list, is taken as read then;
/// only new plays and plays whose bytes changed are read. When the previous plays are all there,
/// unchanged and in the same places, and the new ones come after them in the game, the game built
/// from the previous payload is extended with the new plays (see
/// ``PlayByPlayBuilder/extend(with:header:)`` for when that is sure to give the same result);
/// otherwise, or when the header changed in a way that matters (another game, league or team; a
/// held live game that became final), the game is built anew from all the plays, as a fresh read
/// does. A play the provider edited or took out is therefore always a rebuild, and becomes a
/// correction as it does on a fresh read (``PublishedPlays``).
///
/// The play-by-play poller of `FeedService` keeps one per followed game; pure, so `package`.
package struct IncrementalPlayByPlay {
    /// How the last payload was built.
    package enum Path: Equatable, Sendable {
        /// Nothing was kept (the first payload, or one whose game, league or teams differ).
        case fresh
        /// The game was built anew; plays whose bytes were unchanged were not read again.
        case rebuilt
        /// The previous game was extended with the new plays.
        case extended
    }

    /// How the last payload was built, and how many of its plays were read (not taken from the
    /// previous payload): for tests and the benchmark.
    package private(set) var lastPath = Path.fresh
    package private(set) var playsRead = 0

    /// The previous payload and, for each of its plays (in the payload's order), the bytes that
    /// decide it (``CourtsideJSON/JSONDocument/textRange(of:)``) and what was read from them.
    private var bytes: [UInt8] = []
    private var plays: [Play] = []
    /// What reading a play depends on besides its bytes (the game, its league and teams).
    private var readingContext: [String] = []
    /// The game built from the previous payload, before its header closed it; nil when the
    /// payload was refused.
    private var built: Built?

    private struct Play {
        var range: Range<Int>
        /// The play's order number (NBA) or position (ESPN): plays are placed by it.
        var order: Int64
        var action: PlayAction
    }

    private struct Built {
        var builder: PlayByPlayBuilder
        /// What the builder was made for: the game, its league, whether it holds unstarted periods.
        var key: [String]
        /// The highest order number among its plays.
        var highestOrder: Int64
    }

    package init() {}

    /// ``NBAPlayByPlayAdapter/parse(_:game:holdingUnstartedPeriods:)`` of the next payload.
    package mutating func nba(_ payload: [UInt8], game: ScoreboardGame, holdingUnstartedPeriods: Bool = false) -> FeedResult<GameFeed> {
        do throws(FeedError) {
            let (gameId, nodes) = try NBAPlayByPlayAdapter.actions(try JSONNode.parse(payload), game: game)
            var teams = NBAPlayByPlayAdapter.TeamCodes()
            return build(
                payload, nodes, entry: game, holding: holdingUnstartedPeriods,
                context: [gameId, game.game.homeTeamId, game.game.awayTeamId, game.game.leagueId]
            ) { node, _ throws(FeedError) in
                try NBAPlayByPlayAdapter.action(node, gameId: gameId, header: game, teams: &teams)
            }
        } catch {
            self = Self()
            return .failure(FeedRejection(error))
        }
    }

    /// ``ESPNSummaryAdapter/parse(_:league:)`` of the next payload.
    package mutating func espn(_ payload: [UInt8], league: League? = nil) -> FeedResult<GameFeed> {
        do throws(TeamProblem) {
            let root = try invalid { () throws(FeedError) in try JSONNode.parse(payload) }
            let summary = try ESPNSummaryAdapter.summary(root, league: league)
            let teams = summary.teams.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
            return build(payload, summary.plays, entry: summary.entry, holding: false, context: [summary.league.id] + teams) {
                node, position throws(FeedError) in
                (Int64(position), try ESPNSummaryAdapter.action(node, teams: summary.teams, leagueID: summary.league.id))
            }
        } catch {
            self = Self()
            return .failure(FeedRejection(error.error))
        }
    }

    /// Reads the plays that are new or changed, then extends the previous game or builds it anew.
    private mutating func build(
        _ payload: [UInt8],
        _ nodes: [JSONNode],
        entry: ScoreboardGame,
        holding: Bool,
        context: [String],
        read: (JSONNode, Int) throws(FeedError) -> (Int64, PlayAction)
    ) -> FeedResult<GameFeed> {
        // The previous plays, updated in place: an unchanged play keeps what was read of it.
        var current: [Play] = []
        if readingContext == context { swap(&current, &plays) }
        let previousCount = current.count
        let previousBytes = bytes
        var built = self.built.take()
        self = Self()
        var problems: [FeedError] = []
        var unchanged = 0  // the leading plays unchanged since the previous payload
        for (position, node) in nodes.enumerated() {
            let range = node.document.textRange(of: node.index)
            if position < previousCount, Self.same(previousBytes, current[position].range, payload, range) {
                current[position].range = range
                if unchanged == position { unchanged += 1 }
                continue
            }
            do throws(FeedError) {
                let order: Int64
                var action: PlayAction
                (order, action) = try read(node, position)
                // Kept without its node (see `actions`), so that no payload but the last is kept.
                action.label.node = nil
                let play = Play(range: range, order: order, action: action)
                if position < previousCount { current[position] = play } else { current.append(play) }
                playsRead += 1
            } catch {
                problems.append(error)
                if problems.count >= FeedRejection.maximumReasons { break }
            }
        }
        if !problems.isEmpty { return .failure(FeedRejection(problems)) }
        if nodes.count < previousCount { current.removeSubrange(nodes.count...) }

        let header = PlayByPlayBuilder.header(of: entry)
        let key = [entry.game.id, entry.game.leagueId, String(holding && entry.game.status != .final)]
        /// The plays at `positions` in the order they are placed (by order number; equal ones, never
        /// seen, in the payload's order), each with its node for the reasons that name it.
        func actions(_ positions: Range<Int>) -> [PlayAction] {
            let inOrder = zip(positions, positions.dropFirst()).allSatisfy { current[$0].order <= current[$1].order }
            let placed = inOrder ? Array(positions) : positions.sorted { (current[$0].order, $0) < (current[$1].order, $1) }
            return placed.map { position in
                var action = current[position].action
                action.label.node = nodes[position]
                return action
            }
        }
        var builder: PlayByPlayBuilder
        // Taken out of `built`, so that the builder's storage is extended in place.
        if var kept = built.take(), kept.key == key, previousCount > 0, unchanged == previousCount,
            current[unchanged...].allSatisfy({ $0.order >= kept.highestOrder }),
            kept.builder.extend(with: actions(unchanged..<current.count), header: header)
        {
            builder = kept.builder
            lastPath = .extended
        } else {
            builder = PlayByPlayBuilder(
                gameId: entry.game.id, syntheticPrefix: entry.game.id, header: header, holdsUnstartedPeriods: holding)
            builder.add(contentsOf: actions(0..<current.count))
            lastPath = previousCount == 0 ? .fresh : .rebuilt
        }
        var feed = builder.finished(game: entry.game, headerState: entry.state)
        if case .success(var game) = feed {
            game.teams = entry.teams
            feed = .success(game)
            bytes = payload
            plays = current
            readingContext = context
            var highestOrder = Int64.min
            for position in current.indices { highestOrder = max(highestOrder, current[position].order) }
            self.built = Built(builder: builder, key: key, highestOrder: highestOrder)
        }
        return feed
    }

    /// Whether two byte ranges of two payloads hold the same bytes (eight at a time).
    private static func same(_ old: [UInt8], _ oldRange: Range<Int>, _ new: [UInt8], _ newRange: Range<Int>) -> Bool {
        let count = oldRange.count
        guard count == newRange.count else { return false }
        return old.withUnsafeBytes { old in
            new.withUnsafeBytes { new in
                var offset = 0
                while offset &+ 8 <= count {
                    let a = old.loadUnaligned(fromByteOffset: oldRange.lowerBound &+ offset, as: UInt64.self)
                    let b = new.loadUnaligned(fromByteOffset: newRange.lowerBound &+ offset, as: UInt64.self)
                    if a != b { return false }
                    offset &+= 8
                }
                while offset < count {
                    if old[oldRange.lowerBound &+ offset] != new[newRange.lowerBound &+ offset] { return false }
                    offset &+= 1
                }
                return true
            }
        }
    }
}

extension Optional {
    /// The value, leaving nil behind (so that the caller holds the only reference to its storage).
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
