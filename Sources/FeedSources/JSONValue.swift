/// A parsed JSON document: the neutral form every adapter reads provider payloads from.
///
/// Providers disagree on types (scores as strings or numbers, clocks as strings or floats), so
/// adapters read this tree through ``JSONNode``, which knows where in the payload a value came
/// from and turns every surprise into a ``FeedError`` naming that place.
enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
