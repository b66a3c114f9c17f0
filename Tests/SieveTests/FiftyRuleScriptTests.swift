import Sieve
import Testing

/// A site's typical script: fifty rules of header, address, list and body tests with fileinto and
/// flags. Its cost per delivery is measured by `make bench` (lmtp-bench), not here.
@Suite struct FiftyRuleScriptTests {
    static let fiftyRules: String = {
        var script = "require [\"fileinto\", \"imap4flags\", \"variables\", \"body\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
        for i in 0..<50 {
            switch i % 5 {
            case 0: script += "if header :contains \"subject\" \"project-\(i)\" { fileinto \"P\(i)\"; stop; }\n"
            case 1: script += "if address :domain :is [\"from\", \"sender\"] \"list\(i).example.org\" { fileinto \"L\(i)\"; stop; }\n"
            case 2: script += "if header :matches \"list-id\" \"*<list\(i).*>\" { fileinto \"M\(i)\"; stop; }\n"
            case 3: script += "if header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"\(i + 100)\" { addflag \"Junk\"; }\n"
            default: script += "if body :contains \"unsubscribe-\(i)\" { fileinto \"B\(i)\"; stop; }\n"
            }
        }
        return script
    }()

    static func run(subject: String, from: String = "carol@example.net", body: String = "Hello.\n") throws -> SieveResult {
        let compiled = try SieveCompiler.compile(Self.fiftyRules, name: "fifty")
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
