/// Deterministic libFuzzer-like mutations of seed inputs (SplitMix64), so a failure replays.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// One seed, changed in one to four places.
    mutating func mutate(_ seeds: [[UInt8]]) -> [UInt8] {
        guard !seeds.isEmpty else { return [] }
        var bytes = seeds[below(seeds.count)]
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(6) {
            case 0 where at < bytes.count:
                bytes[at] ^= UInt8(1 << below(8))
            case 1 where at < bytes.count:
                bytes.remove(at: at)
            case 2:
                bytes.insert(Self.interesting[below(Self.interesting.count)], at: at)
            case 3:
                bytes.removeSubrange(at..<min(bytes.count, at + below(64)))
            case 4:
                // Splice a piece of another seed in.
                let other = seeds[below(seeds.count)]
                let from = below(other.count + 1)
                bytes.insert(contentsOf: other[from..<min(other.count, from + below(80))], at: at)
            default:
                if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: next()) }
            }
        }
        return bytes
    }

    private static let interesting: [UInt8] = Array("\r\n.<>@+/:\"\\ =&-{}#\t".utf8) + [0, 0x7F, 0x80, 0xC3, 0xFF]
}
