import Sieve
import Testing

/// A run happens per delivery: a 50-rule script must cost far less than the fsync that
/// delivery waits for (a millisecond or more on real disks), even in a debug build.
@Suite struct CostTests {
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

    @Test func fiftyRulesCostLessThanAnFsync() throws {
        let compiled = try SieveCompiler.compile(Self.fiftyRules, name: "fifty")
        let message = SieveMessage(bytes: Array((defaultMessage + String(repeating: "Some more body text for the body tests.\n", count: 200)).utf8))
        let envelope = SieveEnvelope(from: "bob@example.org", to: "alice@example.com")
        let context = SieveContext()
        let clock = ContinuousClock()
        let runs = 200
        let started = clock.now
        for _ in 0..<runs {
            let result = SieveRunner.run(compiled, message: message, envelope: envelope, context: context)
            #expect(result.status == .ok)
        }
        let perRun = (clock.now - started) / runs
        print("50-rule script: \(perRun) per run (this build)")
        #expect(perRun < .milliseconds(5))
    }
}
