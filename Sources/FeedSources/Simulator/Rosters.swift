/// Made-up player names for simulated teams: 13 per team, the same for a team in every game
/// (derived from its id, not from the simulation's seed).
enum Rosters {
    private static let initials = Array("ABCDEFGHIJKLMNOPRSTVWZ")
    private static let surnames = [
        "Adams", "Baker", "Carter", "Diallo", "Edwards", "Fields", "Garcia", "Harris", "Irving", "Jackson",
        "King", "Lopez", "Mitchell", "Nance", "Okafor", "Parker", "Quinn", "Reed", "Smith", "Turner",
        "Udoka", "Vance", "Walker", "Young", "Zeller", "Brooks", "Collins", "Dawson", "Ellis", "Foster",
        "Grant", "Hayes", "Ingram", "Jordan", "Knox", "Lawson", "Moore", "Nelson", "Owens", "Price",
        "Rivers", "Sanders", "Thompson", "Vasquez", "Watson", "Bishop", "Cole", "Drummond", "Evans", "Fox",
    ]

    /// The roster of a team: starters first.
    static func players(of teamId: String) -> [String] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in teamId.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        var random = SeededRandom(seed: hash)
        var names: [String] = []
        var used: Set<String> = []
        while names.count < 13 {
            let name = "\(random.pick(initials)). \(random.pick(surnames))"
            if used.insert(name).inserted { names.append(name) }
        }
        return names
    }
}
