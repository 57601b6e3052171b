import CourtsideJSON
public import CourtsideProto

/// Reads Sportradar's NBA play-by-play in XML (`games/<id>/pbp.xml`, schema
/// `http://feed.elasticstats.com/schema/basketball/pbp-v2.0.xsd`): the same game as the JSON
/// form, written as elements and attributes.
///
/// ```
/// <game id= status= neutral_site= scheduled= clock= quarter=>
///   <scoring><home id= name= market= [alias=] points=/><away …/></scoring>
///   <quarter id= number= sequence=>            (and <overtime …> after regulation)
///     <scoring>…</scoring>
///     <events>
///       <event id= event_type= clock= updated=>
///         <description>…</description>
///         <attribution id= name= market=/>
///         <statistics><fieldgoal made= points=><team id=…/><player full_name=…/></fieldgoal>…</statistics>
/// ```
///
/// The document is read by the bounded ``XMLReader`` (no DTD, no entities, size and shape
/// budgets: a hostile or cut document is refused whole with its reason) and mapped onto the JSON
/// model — `scoring/home` as `home`, each `quarter`/`overtime`/`period` element as an entry of
/// `periods` (its element name as `type`), each child of `statistics` as a statistic (its
/// element name as `type`) — which ``SportradarPlayByPlayAdapter`` then reads. Both forms go
/// through one reader, so the XML and the JSON of a game give the same game and the same events,
/// with the same source ids (`sr-<event id>`). Attribute values stay strings (the reader takes
/// numbers written as strings); `neutral_site` becomes a boolean. Elements the adapter does not
/// use (`on_court`, `location`, `possession`) are ignored. NCAA halves (`<half>`) are not read:
/// a game of halves has no periods here and is refused by the builder's checks.
public enum SportradarPlayByPlayXMLAdapter {
    /// Parses an XML play-by-play payload into the game and its events.
    ///
    /// - Parameter league: the game's league (nil: the NBA), as ``SportradarPlayByPlayAdapter/parse(_:league:)``.
    public static func parse(_ payload: some Sequence<UInt8>, league: League? = nil) -> FeedResult<GameFeed> {
        let document: XMLElement
        do throws(FeedError) {
            document = try XMLReader.parse(Array(payload))
            guard document.name == "game" else {
                throw FeedError("the root element is <\(Excerpt.cut(document.name))>, expected <game>")
            }
        } catch {
            return .failure(FeedRejection(error))
        }
        let root: JSONNode
        do throws(FeedError) {
            root = try JSONNode(game(document))
        } catch {
            return .failure(FeedRejection(error))
        }
        return SportradarPlayByPlayAdapter.parse(root: root, league: league)
    }

    /// The period elements, by the name Sportradar gives them.
    static let periodElements: Set<String> = ["quarter", "overtime", "period"]

    private static func game(_ element: XMLElement) -> JSONValue {
        var members = attributes(of: element)
        // Older and newer feeds write the teams either under <scoring> or as direct children.
        let scoring = element.child("scoring")
        for side in ["home", "away"] {
            if let team = element.child(side) ?? scoring?.child(side) { members.append((side, object(team))) }
        }
        if let venue = element.child("venue") { members.append(("venue", object(venue))) }
        let periods = element.children.filter { periodElements.contains($0.name) }.map(period)
        if !periods.isEmpty { members.append(("periods", .array(periods))) }
        return .object(members)
    }

    private static func period(_ element: XMLElement) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(element.name))]
        members += attributes(of: element).filter { $0.0 != "type" }
        let events = element.child("events")?.children.filter { $0.name == "event" } ?? []
        members.append(("events", .array(events.map(event))))
        return .object(members)
    }

    private static func event(_ element: XMLElement) -> JSONValue {
        var members = attributes(of: element)
        if let description = element.child("description") { members.append(("description", .string(description.text))) }
        if let attribution = element.child("attribution") { members.append(("attribution", object(attribution))) }
        if let statistics = element.child("statistics") {
            let entries = statistics.children.map { statistic -> JSONValue in
                var fields: [(String, JSONValue)] = [("type", .string(statistic.name))]
                fields += attributes(of: statistic).filter { $0.0 != "type" }
                for part in ["team", "player"] {
                    if let child = statistic.child(part) { fields.append((part, object(child))) }
                }
                return .object(fields)
            }
            members.append(("statistics", .array(entries)))
        }
        return .object(members)
    }

    /// An element with attributes only (a team, a player, a venue) as an object of strings.
    private static func object(_ element: XMLElement) -> JSONValue {
        .object(attributes(of: element))
    }

    private static func attributes(of element: XMLElement) -> [(String, JSONValue)] {
        element.attributes.filter { $0.name != "xmlns" && !$0.name.hasPrefix("xmlns:") }.map { attribute -> (String, JSONValue) in
            if attribute.name == "neutral_site", attribute.value == "true" || attribute.value == "false" {
                return (attribute.name, .bool(attribute.value == "true"))
            }
            return (attribute.name, .string(attribute.value))
        }
    }
}
