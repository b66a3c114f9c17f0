import Sieve
import Testing

/// Cyrus's rules for when a vacation reply is sent at all.
@Suite struct VacationRuleTests {
    static let script = "require \"vacation\";\nvacation :days 7 \"Away.\";\n"
    static let reply = "vacation seconds=604800 subject=- from=- body=\"Away.\""

    static func replies(header: String, from: String = "bob@example.org") -> Bool {
        let message = "From: \(from)\n\(header)\nSubject: hi\n\nbody\n"
        return dryRun(script, message, from: from).contains(reply)
    }

    @Test func repliesToPersonalMail() {
        #expect(Self.replies(header: "To: alice@example.com"))
        #expect(Self.replies(header: "To: x@example.org\nCc: Alice <ALICE@example.com>"))
        #expect(Self.replies(header: "To: x@example.org\nResent-To: alice@example.com"))
        #expect(Self.replies(header: "To: alice@example.com\nAuto-Submitted: no"))
        #expect(Self.replies(header: "To: alice@example.com\nPrecedence: first-class"))
    }

    @Test func neverRepliesToBulkListOrAutomaticMail() {
        for header in ["Precedence: bulk", "Precedence: junk", "Precedence: List", "List-Unsubscribe: <mailto:u@x>",
                       "List-Post: <mailto:l@x>", "Auto-Submitted: auto-generated", "Auto-Submitted: auto-replied"] {
            #expect(!Self.replies(header: "To: alice@example.com\n" + header), "\(header)")
        }
    }

    @Test func neverRepliesToDaemonsListsOrOneself() {
        for sender in ["MAILER-DAEMON@example.org", "owner-list@example.org", "list-request@example.org", "alice@example.com"] {
            #expect(!Self.replies(header: "To: alice@example.com", from: sender), "\(sender)")
        }
    }

    @Test func daysAreClampedToTheConfiguredRange() {
        var limits = SieveLimits()
        limits.vacationMinResponse = 86_400
        limits.vacationMaxResponse = 10 * 86_400
        let context = SieveContext(userAddresses: ["alice@example.com"], limits: limits)
        #expect(dryRun("require \"vacation\";\nvacation :days 1 \"A\";\n", context: context).contains { $0.hasPrefix("vacation seconds=86400 ") })
        #expect(dryRun("require \"vacation\";\nvacation :days 30 \"A\";\n", context: context).contains { $0.hasPrefix("vacation seconds=864000 ") })
    }
}
