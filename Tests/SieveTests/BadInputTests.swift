import Foundation
import Sieve
import Testing

/// A small seeded generator (SplitMix64), so a failing mutation can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutated scripts never crash the compiler or the interpreter, never run for a second, and
/// never produce an action that files outside the user's Maildir.
@Suite struct BadInputTests {
    static let fragments: [String] = [
        "{", "}", "(", ")", "[", "]", ",", ";", "\"", "\\", "${", "}", "${1}", "${hex:00}", "${unicode:110000}", "*", "?",
        ":matches", ":regex", ":contains", ":count \"gt\"", ":value \"eq\"", ":index 0", ":last", ":comparator \"i;ascii-numeric\"",
        "text:\n", "\n.\n", "..", "../", "/", "\0", "\u{7f}", "fileinto", "redirect", "keep", "discard", "stop", "if", "elsif",
        "else", "not", "allof(", "anyof(", "header", "address", "envelope", "body", "string", "set", "addflag", "vacation",
        "include", "return", "global", "addheader", "deleteheader", "date", "currentdate", "duplicate", "ihave", "error",
        "99999999999999999999", "4G", "0", "1K", "/*", "*/", "#", "\r\n", "(((((((((", "a@b.c", "\"../../etc\"",
        "\"" + String(repeating: "x", count: 400) + "\"", "(a*)*b", "[[:alpha:]", "x{2,1}", "\u{e9}",
    ]

    static func seeds() throws -> [String] {
        let corpus = try CorpusCase.loadAll().map(\.script)
        return corpus + [
            "require [\"fileinto\",\"variables\",\"regex\"];\nif header :regex \"subject\" \"(.*)(.*)(.*)x\" { fileinto \"${1}\"; }\n",
            "require [\"fileinto\",\"variables\"];\nif header :matches \"subject\" \"*a*b*c*d*e*f*g*\" { fileinto \"../${1}\"; }\n",
        ]
    }

    static func mutate(_ script: String, _ random: inout SeededGenerator, maxSteps: Int = 4) -> [UInt8] {
        var bytes = Array(script.utf8)
        for _ in 0..<Int.random(in: 1...maxSteps, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &random))
                if position < end { bytes.removeSubrange(position..<end) }
            case 1:
                bytes.insert(contentsOf: Array(fragments.randomElement(using: &random)!.utf8), at: position)
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 3 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                let end = min(bytes.count, start + Int.random(in: 1...40, using: &random))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            default:
                if position < bytes.count { bytes[position] = UInt8.random(in: 0...127, using: &random) }
            }
        }
        return bytes
    }

    static let hostileStrings: [String] = [
        "../x", "..", "", "/etc/passwd", ".hidden", "a/../../b", "a//b", "${hex:00}", "a${hex:0a}b", "${unicode:7f}",
        String(repeating: "x", count: 300), "${1}", "${0}/..", "*", "INBOX", "\\Seen", "a@b", "x@", "${f}", "${global.x}",
    ]

    /// The script with the content of one of its quoted strings replaced by a hostile value.
    static func replaceString(_ script: String, _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(script.utf8)
        var quotes: [Int] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == UInt8(ascii: "\"") { quotes.append(index) }
            index += 1
        }
        guard quotes.count >= 2 else { return bytes }
        let pair = Int.random(in: 0..<(quotes.count / 2), using: &random)
        let value = Array(hostileStrings.randomElement(using: &random)!.utf8)
        bytes.replaceSubrange((quotes[pair * 2] + 1)..<quotes[pair * 2 + 1], with: value)
        return bytes
    }

    /// A folder name the mail store may be given: no path escape, no control bytes, bounded.
    static func isSafeFolder(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix("/") && !name.hasPrefix(".")
            && !name.contains("..") && !name.utf8.contains { $0 < 0x20 || $0 == 0x7f }
    }

    @Test func mutatedScriptsCompileOrFailCleanly() throws {
        var random = SeededGenerator(state: 20_261_205)
        let seeds = try Self.seeds()
        let clock = ContinuousClock()
        var compiled = 0
        for _ in 0..<100_000 {
            let script = Self.mutate(seeds.randomElement(using: &random)!, &random)
            let started = clock.now
            if (try? SieveCompiler.compile(script, name: "fuzz")) != nil { compiled += 1 }
            let elapsed = clock.now - started
            #expect(elapsed < .seconds(1), "compile took \(elapsed): \(String(decoding: script, as: UTF8.self))")
        }
        #expect(compiled > 1_000, "mutations too destructive to exercise the compiler's checks")
    }

    @Test func mutatedScriptsRunWithinBoundsAndStayInTheMaildir() throws {
        var random = SeededGenerator(state: 5_228)
        let seeds = try Self.seeds()
        let messages = try ["plain", "multipart", "subaddress", "encoded", "list"].map { SieveMessage(bytes: try CorpusCase.message(named: $0)) }
        let clock = ContinuousClock()
        var ran = 0
        var attempts = 0
        while ran < 10_000 {
            // Hostile string values, or one mutation at a time, so that many mutants compile and run.
            let seed = seeds.randomElement(using: &random)!
            let script = Bool.random(using: &random) ? Self.replaceString(seed, &random) : Self.mutate(seed, &random, maxSteps: 1)
            attempts += 1
            guard let compiled = try? SieveCompiler.compile(script, name: "fuzz") else { continue }
            ran += 1
            let started = clock.now
            let result = SieveRunner.run(compiled, message: messages.randomElement(using: &random)!,
                                         envelope: SieveEnvelope(from: "bob@example.org", to: "alice@example.com"),
                                         context: SieveContext(userAddresses: ["alice@example.com"]))
            let elapsed = clock.now - started
            #expect(elapsed < .seconds(1), "run took \(elapsed): \(String(decoding: script, as: UTF8.self))")
            for case .store(let mailbox, _, _, _, _) in result.actions {
                #expect(Self.isSafeFolder(mailbox), "unsafe folder \(mailbox) from \(String(decoding: script, as: UTF8.self))")
            }
        }
        print("bad input: \(ran) mutated scripts run out of \(attempts) mutated")
    }
}
