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

    /// A number known only by its floating-point value (integral ones keep their integer).
    public init(_ double: Double) {
        let integral = double.isFinite && double.rounded() == double && double.magnitude < 9.007_199_254_740_992e15
        self.init(integer: integral ? UInt64(double.magnitude) : nil, isNegative: double < 0, double: double)
    }

    /// The value if it is an integer in `0 … maximum`.
    public func unsigned(maximum: UInt64) -> UInt64? {
        guard !isNegative || integer == 0, let integer, integer <= maximum else { return nil }
        return integer
    }
}
