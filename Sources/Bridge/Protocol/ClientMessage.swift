import CourtsideProto

/// A position in one game's log: `(epoch, seq)`.
public struct GamePosition: Sendable, Hashable, CustomStringConvertible {
    public var epoch: UInt64
    public var seq: UInt64

    /// A position in `epoch` after event `seq` (0: before the first event).
    public init(epoch: UInt64, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }

    public var description: String { "\(epoch):\(seq)" }

    /// Whether `next` is the position of the event right after this one (same epoch, seq + 1;
    /// no overflow whatever the values).
    public func isFollowed(by next: GamePosition) -> Bool {
        next.epoch == epoch && Self.isSuccessor(next.seq, of: seq)
    }

    /// Whether `seq` is `previous + 1` (false when `previous` is the largest seq).
    public static func isSuccessor(_ seq: UInt64, of previous: UInt64) -> Bool {
        seq > previous && seq - previous == 1
    }
}

/// A validated client → server message (docs/protocol.md §3).
public enum ClientMessage: Sendable, Equatable {
    case subscribe(Subscribe)
    case unsubscribe(Unsubscribe)
    case ping(id: String?)
    /// `token`: the connection token (the first message of a page that follows private games,
    /// and the answer to `refresh`).
    case token(String, id: String?)

    /// `subscribe`: adds games, teams, all live games, the live games of leagues; resumes
    /// games from positions.
    public struct Subscribe: Sendable, Equatable {
        public var games: [String] = []
        public var teams: [String] = []
        public var allLive = false
        /// Follow every live game of these leagues (`allLive` for some leagues only).
        public var leagues: [String] = []
        public var resume: [String: GamePosition] = [:]
        public var id: String?

        /// A subscribe with these fields (empty ones are absent).
        public init(
            games: [String] = [], teams: [String] = [], allLive: Bool = false, leagues: [String] = [],
            resume: [String: GamePosition] = [:], id: String? = nil
        ) {
            self.games = games
            self.teams = teams
            self.allLive = allLive
            self.leagues = leagues
            self.resume = resume
            self.id = id
        }
    }

    /// `unsubscribe`: removes games, teams, all live games, leagues.
    public struct Unsubscribe: Sendable, Equatable {
        public var games: [String] = []
        public var teams: [String] = []
        public var allLive = false
        public var leagues: [String] = []
        public var id: String?

        /// An unsubscribe with these fields (empty ones are absent).
        public init(games: [String] = [], teams: [String] = [], allLive: Bool = false, leagues: [String] = [], id: String? = nil) {
            self.games = games
            self.teams = teams
            self.allLive = allLive
            self.leagues = leagues
            self.id = id
        }
    }

    /// The request's `id`, echoed in replies and errors.
    public var id: String? {
        switch self {
        case .subscribe(let message): message.id
        case .unsubscribe(let message): message.id
        case .ping(let id): id
        case .token(_, let id): id
        }
    }
}

/// Why a client message was refused before it was carried out, with the `error` code and
/// message it gets (§6), and the `ref` when the message had a readable string `id`.
public struct ClientMessageError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var ref: String?

    /// A refusal with its code, text and the request's id.
    public init(code: ErrorCode, message: String, ref: String? = nil) {
        self.code = code
        self.message = message
        self.ref = ref
    }
}

/// The error codes of §6 (server → client `error` messages).
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case unknownType = "unknown_type"
    case unknownGame = "unknown_game"
    case unknownTeam = "unknown_team"
    /// A subscribe names leagues the schedule does not know.
    case unknownLeague = "unknown_league"
    case tooManySubscriptions = "too_many_subscriptions"
    case rateLimited = "rate_limited"
    case unavailable
    case `internal`
    /// A subscribe names private games the connection's token (if any) does not name.
    case tokenRequired = "token_required"
    /// A `token` message whose token was not accepted.
    case invalidToken = "invalid_token"
}

/// Identifier rules shared by the WebSocket validator and the SSE parameters (§2).
public enum ProtocolIds {
    /// `^[A-Za-z0-9_.-]{1,64}$`
    public static func isGameId(_ text: String) -> Bool { isId(text, maximum: 64) }
    /// `^[A-Za-z0-9_.-]{1,64}$`: as long as the schedule's team ids may be
    /// (`RequestLimits.teamIDBytes`), so league-prefixed ids ("womens-college-basketball-UCONN") fit.
    public static func isTeamId(_ text: String) -> Bool { isId(text, maximum: teamIdMaximum) }
    /// `^[A-Za-z0-9_.-]{1,32}$`: a league's id ("nba", "wnba", "mens-college-basketball").
    public static func isLeagueId(_ text: String) -> Bool { isId(text, maximum: leagueIdMaximum) }

    /// The longest TeamId, in characters.
    public static let teamIdMaximum = RequestLimits.teamIDBytes
    /// The longest LeagueId, in characters.
    public static let leagueIdMaximum = 32
    /// Leagues one request may name (`?league=`, `leagues` of a subscribe, the SSE `leagues`
    /// parameter), and leagues one connection may follow: there are a handful.
    public static let maximumLeagues = 20

    /// A RequestId: 1–64 characters (Unicode scalars, as JSON Schema counts them).
    public static func isRequestId(_ text: String) -> Bool {
        let count = text.unicodeScalars.count
        return count >= 1 && count <= 64
    }

    /// The largest integer of the protocol (2^53 − 1).
    public static let maximumInteger: UInt64 = 9_007_199_254_740_991

    /// A decimal integer written as digits only (no sign, no spaces, at most 16 digits) in
    /// `0 … maximum`, as cursors and query parameters carry them; nil for anything else.
    public static func decimal(_ text: Substring, maximum: UInt64 = maximumInteger) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = UInt64(text), value <= maximum
        else { return nil }
        return value
    }

    private static func isId(_ text: String, maximum: Int) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maximum else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}

extension String {
    /// At most 64 characters of a client's text, as an error message quotes it.
    var excerpt: String {
        unicodeScalars.count <= 64 ? self : String(String.UnicodeScalarView(unicodeScalars.prefix(64))) + "…"
    }
}
