import Testing
@testable import ConfParse

@Suite("robustness")
struct RobustnessTests {
    /// Deterministic pseudo-random bytes biased towards the characters the grammars care about.
    static func noise(seed: UInt64, count: Int) -> [UInt8] {
        let interesting: [UInt8] = Array("{}=\"#:\\@ \t\r\n\0abcSERVICESTARTcmdlisten0123456789-_/[]%".utf8) + [0xC3, 0xA9, 0xFF, 0x80]
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(truncatingIfNeeded: state >> 33)
            return r % 4 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : interesting[(r >> 8) % interesting.count]
        }
    }

    @Test("random bytes never crash either parser and always give a result or located errors", arguments: 0..<40)
    func randomInput(_ seed: Int) {
        let bytes = Self.noise(seed: UInt64(seed), count: 50 + seed * 97)
        for mode in [CyrusConf.Mode.strict, .cyrusCompatible] {
            do {
                let conf = try CyrusConf.parse(bytes, path: "fuzz.conf", mode: mode)
                #expect(conf.warnings.allSatisfy { $0.file == "fuzz.conf" })
            } catch {
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.file == "fuzz.conf" && ($0.line ?? 1) >= 1 })
            }
        }
        do {
            let config = try ImapdConfig.parse(bytes, path: "fuzz.imapd", service: "lmtp")
            #expect(config.entries.allSatisfy { !$0.key.isEmpty && !$0.value.isEmpty })
        } catch {
            #expect(!error.diagnostics.isEmpty)
        }
    }

    @Test("random bytes inside a valid SERVICES section are rejected or accepted, never half-parsed", arguments: 0..<20)
    func randomEntries(_ seed: Int) {
        let body = Self.noise(seed: UInt64(1000 + seed), count: 300).map { $0 == 0x0A || $0 == 0x7D ? 0x20 : $0 }
        let text = Array("SERVICES {\n  a cmd=x listen=1 ".utf8) + body + Array("\n}\n".utf8)
        do {
            let conf = try CyrusConf.parse(text, path: "t.conf")
            #expect(conf.services.count == 1)
        } catch {
            #expect(error.diagnostics.allSatisfy { $0.line == 2 || $0.line == 1 })
        }
    }

    @Test("imapd.conf lines have no length limit")
    func longImapdLine() throws {
        let value = String(repeating: "x", count: 200_000)
        let config = try imapdResult("admins: \(value)\n").get()
        #expect(config[.admins].count == 200_000)
    }

    @Test("a forgotten } before the next section gets a hint")
    func missingClose() {
        let errors = cyrusErrors("START {\n  recover cmd=x\nSERVICES {\n  a cmd=x listen=1\n}\n")
        #expect(errors.map(\.line) == [3])
        #expect(errors.first?.message.hasSuffix("(is the } that closes START missing?)") == true)
    }
}
