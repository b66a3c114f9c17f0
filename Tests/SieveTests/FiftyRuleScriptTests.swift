import Foundation
import Sieve
import Testing

/// A site's typical script: fifty rules of header, address, list and body tests with fileinto and
/// flags (the benchmarks' fixture). Its cost per delivery is measured by `make bench`
/// (lmtp-bench, sieve-bench), not here.
@Suite struct FiftyRuleScriptTests {
    /// The script lmtp-bench and sieve-bench measure (`Tests/Fixtures/sieve/fifty-rules.sieve`).
    static func fiftyRules() throws -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sieve/fifty-rules.sieve").path
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func run(subject: String, from: String = "carol@example.net", body: String = "Hello.\n") throws -> SieveResult {
        let compiled = try SieveCompiler.compile(try Self.fiftyRules(), name: "fifty")
        let text = "From: \(from)\nTo: alice@example.com\nSubject: \(subject)\nList-Id: Team <list22.example.org>\nX-Spam-Score: 140\n\n\(body)"
        return SieveRunner.run(compiled, message: SieveMessage(bytes: Array(text.utf8)),
                               envelope: SieveEnvelope(from: "bob@example.org", to: "alice@example.com"), context: SieveContext())
    }

    @Test("the first matching rule of fifty files the message; earlier flag rules still apply")
    func firstMatchWins() throws {
        let byList = try Self.run(subject: "nothing special")
        #expect(byList.status == .ok)
        // Rule 3's flag (score 140 > 103) is set before rule 22's list-id match files it.
        #expect(byList.actions == [.store(mailbox: "M22", flags: ["Junk"], create: false, copy: false, implicit: false)])
        let bySubject = try Self.run(subject: "about project-10 today")
        #expect(bySubject.actions == [.store(mailbox: "P10", flags: ["Junk"], create: false, copy: false, implicit: false)])
        let byAddress = try Self.run(subject: "hi", from: "x@list1.example.org")
        // Rule 1 comes before the first flag rule: no flag.
        #expect(byAddress.actions == [.store(mailbox: "L1", flags: [], create: false, copy: false, implicit: false)])
    }
}
