import Testing
import ServiceContract

/// A small deterministic generator (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("-U and -T as Cyrus reads them")
struct ServiceChildOptionsTests {
    @Test("atoi semantics", arguments: [
        ("250", 250), ("  42", 42), ("+7", 7), ("-5", -5), ("10x", 10), ("abc", 0), ("", 0), ("-", 0),
        ("99999999999999999999", Int(Int32.max)), ("-99999999999999999999", Int(Int32.min)),
        ("4294967296", Int(Int32.max)),
    ])
    func cInteger(_ text: String, _ value: Int) {
        #expect(ServiceChildOptions.cInteger(text) == value)
    }

    @Test("defaults 250 uses and 60 s; negatives become 0")
    func normalisation() {
        let defaults = ServiceChildOptions(usesArgument: nil, reuseTimeoutArgument: nil, configDirectory: "/c", service: "s", id: "0")
        #expect(defaults.uses == 250 && defaults.reuseTimeout == 60)
        let negative = ServiceChildOptions(usesArgument: "-3", reuseTimeoutArgument: "-1", configDirectory: "/c", service: "s", id: "0")
        #expect(negative.uses == 0 && negative.reuseTimeout == 0)
        #expect(ServiceChildOptions(uses: -9, reuseTimeout: -9, configDirectory: "/c", service: "s", id: "0").uses == 0)
    }

    @Test("the use count is checked after a session: -U 0 ends after the first, like -U 1")
    func usesExhausted() {
        let zero = ServiceChildOptions(uses: 0, configDirectory: "/c", service: "s", id: "0")
        let one = ServiceChildOptions(uses: 1, configDirectory: "/c", service: "s", id: "0")
        let two = ServiceChildOptions(uses: 2, configDirectory: "/c", service: "s", id: "0")
        #expect(zero.usesExhausted(served: 1) && one.usesExhausted(served: 1))
        #expect(!two.usesExhausted(served: 1) && two.usesExhausted(served: 2))
    }

    @Test("the armed timeout is T + rand() % T: within [T, 2T-1], both ends reached; 0 disables")
    func armedTimeout() {
        var random = SeededRandom(state: 1)
        for base in [1, 2, 3, 60] {
            let values = Set((0..<2000).map { _ in ServiceChildOptions.armedReuseTimeout(base: base, using: &random) })
            #expect(values.min() == base && values.max() == 2 * base - 1, "T = \(base): \(values.sorted())")
        }
        #expect(ServiceChildOptions.armedReuseTimeout(base: 0, using: &random) == 0)
        #expect(ServiceChildOptions.armedReuseTimeout(base: -4, using: &random) == 0)
        #expect(ServiceChildOptions.armedReuseTimeout(base: Int.max, using: &random) <= Int(Int32.max))
    }

    @Test("the accept lock path")
    func lockPath() {
        let options = ServiceChildOptions(configDirectory: "/var/lib/cyrus", service: "lmtpunix", id: "1")
        #expect(options.lockPath == "/var/lib/cyrus/socket/lmtpunix-1.lock")
    }
}
