/// The fuzzer's only source of randomness (xorshift64*): the same seed gives the same inputs.
struct Generator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// The generator of one case of a run: a case's inputs depend on the seed and its index only,
    /// not on how many numbers the cases before it drew.
    init(seed: UInt64, case index: Int) {
        var mixer = Generator(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xBF58_476D_1CE4_E5B9))
        self.init(seed: mixer.next())
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// True with the given probability.
    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    /// An element of a non-empty collection.
    mutating func pick<C: Collection>(_ elements: C) -> C.Element {
        elements[elements.index(elements.startIndex, offsetBy: Int.random(in: 0..<elements.count, using: &self))]
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
