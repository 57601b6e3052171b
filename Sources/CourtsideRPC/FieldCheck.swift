public import CourtsideProto
public import GRPC

/// The checks every service applies to the fields of a request, with the limits of
/// ``RequestLimits``. Each failure names the field (`events[3].game_id`, `resume[0].after.seq`):
/// INVALID_ARGUMENT for a malformed value, OUT_OF_RANGE for a position no log can reach.
///
/// Invalid UTF-8 never gets this far: the protobuf decoder refuses it (and NUL bytes) in every
/// `string` field, so the request fails with INVALID_ARGUMENT before a handler runs.
public enum FieldCheck {
    // MARK: Problems (nil when the value is fine), for messages that add their own context

    /// What is wrong with an id (game, team): empty, longer than `maximumBytes` UTF-8 bytes, or
    /// holding whitespace or a control character (ids appear in URLs, logs and messages).
    public static func identifierProblem(_ value: String, maximumBytes: Int) -> String? {
        if value.isEmpty { return "must not be empty" }
        if value.utf8.count > maximumBytes { return "longer than \(maximumBytes) bytes" }
        if value.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) }) {
            return "\"\(shown(value))\" contains a space or a control character"
        }
        return nil
    }

    /// What is wrong with a free text (may be empty): longer than `maximumBytes` UTF-8 bytes, or
    /// holding a control character when `allowsControl` is false.
    public static func textProblem(_ value: String, maximumBytes: Int, allowsControl: Bool = false) -> String? {
        if value.utf8.count > maximumBytes { return "longer than \(maximumBytes) bytes" }
        if !allowsControl, value.unicodeScalars.contains(where: isControl) { return "contains a control character" }
        return nil
    }

    /// What is wrong with a timestamp in milliseconds since the Unix epoch: negative, or later
    /// than ``RequestLimits/maximumTimestampMs``. 0 passes (callers that need one refuse it).
    public static func timestampProblem(_ milliseconds: Int64) -> String? {
        if milliseconds < 0 { return "must not be negative (got \(milliseconds))" }
        if milliseconds > RequestLimits.maximumTimestampMs {
            return "\(milliseconds) is after 9999-12-31 (at most \(RequestLimits.maximumTimestampMs))"
        }
        return nil
    }

    // MARK: Checks that throw the client's error

    /// INVALID_ARGUMENT "`field`: …" unless `value` is an id (see ``identifierProblem(_:maximumBytes:)``).
    public static func identifier(_ value: String, field: String, maximumBytes: Int) throws(RPCError) {
        if let problem = identifierProblem(value, maximumBytes: maximumBytes) {
            throw RPCError(.invalidArgument, "\(field): \(problem)")
        }
    }

    /// A game id (`RequestLimits.gameIDBytes`).
    public static func gameID(_ value: String, field: String) throws(RPCError) {
        try identifier(value, field: field, maximumBytes: RequestLimits.gameIDBytes)
    }

    /// A team id (`RequestLimits.teamIDBytes`).
    public static func teamID(_ value: String, field: String) throws(RPCError) {
        try identifier(value, field: field, maximumBytes: RequestLimits.teamIDBytes)
    }

    /// The league ids of a filter (`league_ids`), each checked against `known` (the leagues the
    /// domain knows, passed in: this module holds no domain rules): more than
    /// ``RequestLimits/leagueIDsPerRequest`` or a malformed id is INVALID_ARGUMENT, an unknown one
    /// NOT_FOUND, each naming the field (`filter.league_ids[1]`). Returns the distinct ids.
    public static func leagueIDs(_ ids: [String], field: String, known: [String]) throws(RPCError) -> Set<String> {
        try count(ids.count, field: field, maximum: RequestLimits.leagueIDsPerRequest)
        for (index, id) in ids.enumerated() {
            let indexed = "\(field)[\(index)]"
            try identifier(id, field: indexed, maximumBytes: RequestLimits.leagueIDBytes)
            guard known.contains(id) else {
                throw RPCError(.notFound, "\(indexed): \"\(shown(id))\" is not a known league (\(known.joined(separator: ", ")))")
            }
        }
        return Set(ids)
    }

    /// INVALID_ARGUMENT "`field`: …" unless `value` is a text (see ``textProblem(_:maximumBytes:allowsControl:)``).
    public static func text(_ value: String, field: String, maximumBytes: Int, allowsControl: Bool = false) throws(RPCError) {
        if let problem = textProblem(value, maximumBytes: maximumBytes, allowsControl: allowsControl) {
            throw RPCError(.invalidArgument, "\(field): \(problem)")
        }
    }

    /// INVALID_ARGUMENT unless a repeated field has at most `maximum` entries.
    public static func count(_ count: Int, field: String, maximum: Int) throws(RPCError) {
        guard count <= maximum else {
            throw RPCError(.invalidArgument, "\(field): \(count) entries, at most \(maximum) are accepted")
        }
    }

    /// OUT_OF_RANGE unless the position's epoch and seq are within what a log can hold
    /// (``RequestLimits/maximumPositionValue``).
    public static func position(_ position: Position, field: String) throws(RPCError) {
        try positionValue(position.epoch, field: "\(field).epoch")
        try positionValue(position.seq, field: "\(field).seq")
    }

    /// OUT_OF_RANGE unless a seq or epoch is within what a log can hold.
    public static func positionValue(_ value: UInt64, field: String) throws(RPCError) {
        guard value <= RequestLimits.maximumPositionValue else {
            throw RPCError(.outOfRange, "\(field): \(value) is beyond any position (at most \(RequestLimits.maximumPositionValue))")
        }
    }

    // MARK: Echoing client text

    /// A client's string as it may appear in an error message or a log line: at most 64
    /// characters (then "…"), control characters and quotes escaped.
    public static func shown(_ value: String) -> String {
        let limit = 64
        var result = ""
        for (index, scalar) in value.unicodeScalars.enumerated() {
            if index == limit {
                result += "…"
                break
            }
            if isControl(scalar) || scalar == "\"" || scalar == "'" || scalar == "\\" {
                result += scalar.escaped(asASCII: false)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 control characters and DEL.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
