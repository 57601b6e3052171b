/// Mutations that know nothing of the bytes' structure: what a corrupted or hostile peer sends
/// when it does not even try to speak protobuf.
enum ByteMutator {
    /// One mutation of `bytes`, and what it did. `splice` is another input to borrow bytes from.
    static func mutate(_ bytes: [UInt8], splice: [UInt8] = [], random: inout Generator) -> (bytes: [UInt8], description: String) {
        var bytes = bytes
        switch Int.random(in: 0..<8, using: &random) {
        case 0 where !bytes.isEmpty:
            let flips = Int.random(in: 1...8, using: &random)
            for _ in 0..<flips {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            }
            return (bytes, "\(flips) bit flip(s)")
        case 1:
            let keep = Int.random(in: 0...bytes.count, using: &random)
            return (Array(bytes.prefix(keep)), "truncated to \(keep) of \(bytes.count) bytes")
        case 2:
            let at = Int.random(in: 0...bytes.count, using: &random)
            let inserted = random.bytes(count: Int.random(in: 1...16, using: &random))
            bytes.insert(contentsOf: inserted, at: at)
            return (bytes, "\(inserted.count) random bytes inserted at \(at)")
        case 3 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = Int.random(in: start...bytes.count, using: &random)
            bytes.removeSubrange(start..<end)
            return (bytes, "bytes \(start)..<\(end) removed")
        case 4 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = Int.random(in: start...bytes.count, using: &random)
            bytes.insert(contentsOf: bytes[start..<end], at: end)
            return (bytes, "bytes \(start)..<\(end) repeated")
        case 5 where !bytes.isEmpty:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let value = random.pick([0x00, 0x7F, 0x80, 0xFF] as [UInt8])
            bytes[at] = value
            return (bytes, "byte \(at) set to \(value)")
        case 6 where !splice.isEmpty:
            let cut = Int.random(in: 0...bytes.count, using: &random)
            let from = Int.random(in: 0...splice.count, using: &random)
            return (Array(bytes.prefix(cut)) + splice[from...], "spliced at \(cut) with another request's bytes from \(from)")
        default:
            let count = Int.random(in: 0..<64, using: &random)
            return (random.bytes(count: count), "replaced by \(count) random bytes")
        }
    }
}
