/// A parsed JSON value, as the bridge reads client messages: objects keep their members in
/// order (duplicate names are refused by the parser), numbers keep their text's integer value
/// when they have one.
public enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(JSONNumber)
    case bool(Bool)
    case null

    /// Structural equality (object members in order).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number(let number): number.integer != nil ? "integer" : "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }

    /// The member called `name` of an object.
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == name }?.1
    }
}

/// A JSON number: its integer value when it is an integer in −2^63 … 2^64−1 (JSON Schema's
/// "integer" includes `1.0`), else only its floating-point value.
public struct JSONNumber: Sendable, Equatable {
    /// The exact value of an integral number that fits in 64 bits (negative ones as `negative`).
    public var integer: UInt64?
    public var isNegative: Bool
    public var double: Double

    /// A number with its exact integer magnitude when it has one.
    public init(integer: UInt64?, isNegative: Bool, double: Double) {
        self.integer = integer
        self.isNegative = isNegative
        self.double = double
    }

    /// The value if it is an integer in `0 … maximum`.
    public func unsigned(maximum: UInt64) -> UInt64? {
        guard !isNegative || integer == 0, let integer, integer <= maximum else { return nil }
        return integer
    }
}
