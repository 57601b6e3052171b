/// The league filter of a URL (`?league=` of the JSON API, `leagues=` of `/events`): league ids
/// separated by commas, in one parameter or several (the handler joins repeated ones). At most
/// `ProtocolIds.maximumLeagues` ids, each a LeagueId (§2); an empty value filters nothing.
public enum LeagueFilter {
    /// Why a filter was refused (the 400 answer's message).
    public struct Invalid: Error, Sendable, Equatable {
        public var message: String
    }

    /// The distinct league ids of `text`, in order of first appearance; `[]` for nil or "".
    public static func parse(_ text: String?, parameter: String) throws(Invalid) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        // Counted before anything is split into strings: a long list is refused as it is.
        let commas = text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ",") ? 1 : 0) }
        guard commas < ProtocolIds.maximumLeagues else {
            throw Invalid(message: "\(parameter) names \(commas + 1) leagues; at most \(ProtocolIds.maximumLeagues)")
        }
        var result: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let id = String(part)
            guard ProtocolIds.isLeagueId(id) else {
                throw Invalid(
                    message: "invalid league id \"\(id.excerpt)\" in \(parameter) (1–\(ProtocolIds.leagueIdMaximum) of A–Z a–z 0–9 _ . -)")
            }
            if !result.contains(id) { result.append(id) }
        }
        return result
    }
}
