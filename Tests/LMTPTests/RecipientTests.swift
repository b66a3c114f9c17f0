import Testing
@testable import LMTP

@Suite("RCPT TO")
struct RecipientTests {
    private func rcpt(_ line: String, settings: LMTPSettings = Fixture.settings,
                      agent: FakeAgent = FakeAgent()) -> (replies: [String], agent: FakeAgent) {
        let result = runSession("MAIL FROM:<s@example.org> SIZE=1234\r\n" + line + "\r\n", settings: settings, agent: agent)
        return (Array(result.replies.dropFirst()), result.agent)
    }

    @Test func needsMailFirst() {
        #expect(runSession("RCPT TO:<alice>\r\n").replies == ["503 5.5.1 Need MAIL command"])
    }

    @Test(arguments: [
        // (line, user, detail, domain, address)
        ("RCPT TO:<alice>", "alice", nil, nil, "alice"),
        ("RCPT TO:<ALICE@LocalHost>", "alice", nil, "localhost", "ALICE@LocalHost"),
        ("rcpt to:<Alice+Folder.Sub@example.org>", "alice", "Folder.Sub", "example.org", "Alice+Folder.Sub@example.org"),
        ("RCPT TO:<alice+a+b@x>", "alice", "a+b", "x", "alice+a+b@x"),
        ("RCPT TO:<alice+@x>", "alice", "", "x", "alice+@x"),
        ("RCPT TO:<alice+a/b@x>", "alice", "a/b", "x", "alice+a/b@x"),
        ("RCPT TO:<\"alice\"@localhost>", "alice", nil, "localhost", "\"alice\"@localhost"),
        ("RCPT TO:<\"Al ice\\\"q\"@h>", "al ice\"q", nil, "h", "\"Al ice\\\"q\"@h"),
        ("RCPT TO:<\"a@b\"@h>", "a@b", nil, "h", "\"a@b\"@h"),
        ("RCPT TO:<@relay.example:bob@h>", "bob", nil, "h", "bob@h"),
        ("RCPT TO:<bob.smith@[10.0.0.1]>", "bob.smith", nil, "[10.0.0.1]", "bob.smith@[10.0.0.1]"),
    ] as [(String, String, String?, String?, String)])
    func splitting(_ line: String, _ user: String, _ detail: String?, _ domain: String?, _ address: String) {
        let (replies, agent) = rcpt(line)
        #expect(replies == ["250 2.1.5 ok"])
        let recipient = agent.verified.first?.recipient
        #expect(recipient == Recipient(address: address, user: user, detail: detail, domain: domain, ignoreQuota: false))
        #expect(agent.verified.first?.sizeHint == 1234)
    }

    @Test("what RCPT resolved for each accepted recipient reaches delivery, in RCPT order; refused ones are left out")
    func resolutionCarriedToDelivery() {
        let agent = FakeAgent()
        agent.verdicts["ghost"] = .mailboxUnknown
        let result = runSession("MAIL FROM:<s@example.org>\r\nRCPT TO:<alice>\r\nRCPT TO:<ghost>\r\nRCPT TO:<bob>\r\n"
                                + "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n", agent: agent)
        #expect(result.agent.verified.count == 3)
        #expect(result.agent.deliveredResolutions == [[1, 3]])
        #expect(result.agent.delivered.first?.recipients.map(\.user) == ["alice", "bob"])
    }

    @Test func noDowncasingWhenDisabled() {
        var settings = Fixture.settings
        settings.downcaseRecipients = false
        let (_, agent) = rcpt("RCPT TO:<Alice+Box@Example.ORG>", settings: settings)
        #expect(agent.verified.first?.recipient.user == "Alice")
        #expect(agent.verified.first?.recipient.domain == "Example.ORG")
    }

    @Test func ignoreQuotaIsPassedOn() {
        let (replies, agent) = rcpt("RCPT TO:<bob@h> ignorequota")
        #expect(replies == ["250 2.1.5 ok"])
        #expect(agent.verified.first?.recipient.ignoreQuota == true)
    }

    @Test(arguments: [
        ("RCPT TO:alice@localhost", "501 5.5.4 Syntax error in parameters"),
        ("RCPT TO: <alice@localhost>", "501 5.5.4 Syntax error in parameters"),
        ("RCPT TO:<alice@localhost>x", "501 5.5.4 Syntax error in parameters"),
        ("RCPT FROM:<alice@localhost>", "501 5.5.4 Syntax error in parameters"),
        ("RCPT TO:<alice@localhost> ", "501 5.5.4 Unrecognized parameters"),
        ("RCPT TO:<alice@localhost> NOTIFY=NEVER", "501 5.5.4 Unrecognized parameters"),
        ("RCPT TO:<alice@localhost> IGNOREQUOTA ", "501 5.5.4 Unrecognized parameters"),
        ("RCPT TO:<alice@localhost> IGNOREQUOTA IGNOREQUOTA", "501 5.5.4 Unrecognized parameters"),
        ("RCPT TO:<alice@localhost> IGNOREQUOTAX", "501 5.5.4 Unrecognized parameters"),
    ] as [(String, String)])
    func syntax(_ line: String, _ expected: String) {
        let (replies, agent) = rcpt(line)
        #expect(replies == [expected])
        #expect(agent.verified.isEmpty)
    }

    @Test(arguments: [
        "RCPT TO:<../etc@h>", "RCPT TO:<..@h>", "RCPT TO:<.alice@h>", "RCPT TO:<.@h>",
        "RCPT TO:<a/b@h>", "RCPT TO:<\"a/b\"@h>", "RCPT TO:<\"../x\"@h>", "RCPT TO:<\"\"@h>",
        "RCPT TO:<+@h>", "RCPT TO:<\"\\\u{01}x\"@h>", "RCPT TO:<a\u{7F}b@h>", "RCPT TO:<a\tb@h>",
        "RCPT TO:<\"a\u{0B}b\"@h>", "RCPT TO:<a@../h>",
    ])
    func addressesThatCanNeverBeAMailboxAreRefused(_ line: String) {
        let (replies, agent) = rcpt(line)
        #expect(replies == ["501 5.5.4 Syntax error in parameters"])
        #expect(agent.verified.isEmpty)
    }

    @Test func eightBitLocalPartStrictAndLax() {
        let line = [UInt8]("MAIL FROM:<s@h>\r\nRCPT TO:<j".utf8) + [0xC3, 0xB6] + [UInt8]("rg@h>\r\n".utf8)
        #expect(runSession(line).replies.last == "553 5.6.7 Non-ASCII address not permitted without SMTPUTF8")
        var lax = Fixture.settings
        lax.strictRFC2821 = false
        let result = runSession(line, settings: lax)
        #expect(result.replies.last == "250 2.1.5 ok")
        #expect(result.agent.verified.first?.recipient.user == "jxxrg")
        #expect(result.agent.verified.first?.recipient.address == "jXXrg@h")
    }

    @Test("+folder@host (Cyrus's shared-folder form with an empty postuser) reaches the agent with an empty user")
    func sharedFolderForm() {
        let (replies, agent) = rcpt("RCPT TO:<+Shared.News@h>")
        #expect(replies == ["250 2.1.5 ok"])
        #expect(agent.verified.first?.recipient.user == "")
        #expect(agent.verified.first?.recipient.detail == "Shared.News")
    }

    @Test func nullPathIsAnUnknownUser() {
        let (replies, agent) = rcpt("RCPT TO:<>")
        #expect(replies == unknownUser)
        #expect(agent.verified.isEmpty)
    }

    @Test(arguments: [
        (DeliveryFailure.mailboxUnknown, unknownUser),
        (.permissionDenied, [
            "550-You do not have permission to post a message to this mailbox.",
            "550-Please contact the owner of this mailbox in order to submit",
            "550-your message, or postmaster@example.org if you believe you",
            "550-received this message in error.",
            "550 5.7.1 Permission denied",
        ]),
        (.overQuota(permanent: false), ["452 4.2.2 Over quota SESSIONID=<\(Fixture.id(1))>"]),
        (.overQuota(permanent: true), ["552 5.2.2 Over quota SESSIONID=<\(Fixture.id(1))>"]),
        (.storageFull, ["451 4.3.1 mail system storage has been exceeded"]),
        (.deliveryDisabled, ["451 4.2.1 Delivery to mailbox is disabled"]),
        (.temporary("database locked\r\n"), ["451 4.3.0 database locked??"]),
        (.temporary(""), ["451 4.3.0 System I/O error"]),
    ] as [(DeliveryFailure, [String])])
    func verifyFailuresBecomeCyrusReplies(_ failure: DeliveryFailure, _ expected: [String]) {
        let agent = FakeAgent()
        agent.verdicts["bob"] = failure
        var settings = Fixture.settings
        settings.postmaster = "postmaster@example.org"
        let (replies, _) = rcpt("RCPT TO:<bob@h>\r\nRCPT TO:<carol@h>", settings: settings, agent: agent)
        #expect(replies == expected + ["250 2.1.5 ok"])
    }

    @Test func manyRecipientsAreAllKept() {
        var script = "MAIL FROM:<s@h>\r\n"
        for n in 0..<500 { script += "RCPT TO:<user\(n)@h>\r\n" }
        script += "DATA\r\n\r\nbody\r\n.\r\n"
        let result = runSession(script)
        #expect(result.agent.delivered.first?.recipients.count == 500)
        #expect(result.replies.suffix(500).allSatisfy { $0 == "250 2.1.5 Success SESSIONID=<\(Fixture.id(1))>" })
    }
}
