import Testing
@testable import LMTP
import LMTPTesting

/// SMTPUTF8 (RFC 6531, 6532) in the engine: UTF-8 addresses only with the parameter, checked and
/// normalised; UTF-8 header fields stored as received; `Received:` says `UTF8LMTP`.
@Suite("SMTPUTF8")
struct InternationalTests {
    static let mail = "LHLO client.example\r\nMAIL FROM:<jörg@exämple.org> SMTPUTF8\r\n"

    /// The reply to one RCPT after an internationalised MAIL.
    static func recipientReply(_ address: String, settings: LMTPSettings = Fixture.settings) -> (String?, FakeAgent) {
        let agent = FakeAgent()
        let result = runSession(Self.mail + "RCPT TO:<\(address)>\r\n", settings: settings, agent: agent)
        return (result.replies.last, agent)
    }

    /// The same with raw bytes for the address.
    static func recipientReply(bytes: [UInt8]) -> String? {
        runSession(Array(Self.mail.utf8) + Array("RCPT TO:<".utf8) + bytes + Array(">\r\n".utf8)).replies.last
    }

    @Test("a UTF-8 message end to end: sender, recipient and header fields kept as UTF-8, Received: says UTF8LMTPA")
    func utf8Message() {
        var settings = Fixture.settings
        settings.munge8bit = true
        let message = "From: Jörg <jörg@exämple.org>\r\nSubject: Grüße aus Köln\r\n\r\nHallo José\r\n.\r\n"
        let result = runSession(Self.mail + "RCPT TO:<josé@localhost>\r\nDATA\r\n" + message, settings: settings)
        #expect(Array(result.replies.dropFirst(lhloLines)) == [
            "250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead", "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>",
        ])
        let delivered = result.agent.delivered.first
        #expect(delivered?.envelope.sender == "jörg@exämple.org")
        #expect(delivered?.envelope.internationalized == true)
        #expect(delivered?.recipients.map(\.user) == ["josé"])
        let stored = addedHeaders(sender: "jörg@exämple.org", with: "UTF8LMTPA")
        #expect(result.agent.storedText == stored + "From: Jörg <jörg@exämple.org>\nSubject: Grüße aus Köln\n\nHallo José\n")
    }

    @Test("Received: names UTF8LMTP, UTF8LMTPA, UTF8LMTPS and UTF8LMTPSA as RFC 6531 registers them; Delivered-To keeps UTF-8",
          arguments: [(false, false, "UTF8LMTP"), (true, false, "UTF8LMTPA"), (false, true, "UTF8LMTPS"), (true, true, "UTF8LMTPSA")])
    func receivedProtocol(authenticated: Bool, tls: Bool, name: String) {
        var settings = Fixture.settings
        settings.deliveredTo = true
        let block = HeaderBlock(sender: "jörg@exämple.org", senderHasDomain: true, authorizedIdentity: nil,
                                lhloName: "c", client: .unixSocket, authenticated: authenticated, internationalized: true,
                                sessionID: "id-1", date: LocalTime(unixTime: 0, utcOffsetSeconds: 0), settings: settings,
                                deliveredTo: "josé@example.org", tlsComment: tls ? "TLSv1.3 cipher" : nil)
        #expect(block.text.hasPrefix("Return-Path: <jörg@exämple.org>\nDelivered-To: josé@example.org\n"))
        #expect(block.text.contains(" with \(name)\(tls ? "\n" : " id")"), "\(block.text)")
    }

    @Test("without SMTPUTF8, 8-bit header bytes are treated as before: munged to X (munge8bit)")
    func eightBitWithoutSMTPUTF8() {
        var settings = Fixture.settings
        settings.munge8bit = true
        let result = runSession("LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\n"
            + "Subject: Grüße\r\n\r\nbody ü\r\n.\r\n", settings: settings)
        #expect(result.agent.storedText == addedHeaders() + "Subject: GrXXXXe\n\nbody ü\n")
    }

    @Test("with SMTPUTF8, reject8bit does not refuse UTF-8 header fields (RFC 6532)")
    func reject8bitDoesNotApply() {
        var settings = Fixture.settings
        settings.reject8bit = true
        let result = runSession(Self.mail + "RCPT TO:<alice>\r\nDATA\r\nSubject: Grüße\r\n\r\nx\r\n.\r\n", settings: settings)
        #expect(result.replies.last == "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>")
        #expect(result.agent.storedText?.contains("Subject: Grüße\n") == true)
    }

    @Test("a user typed with a combining accent is the same user as one typed precomposed (NFC)")
    func normalisedToNFC() {
        let (reply, agent) = Self.recipientReply("jose\u{301}+Entwu\u{308}rfe@localhost")
        #expect(reply == "250 2.1.5 ok")
        let recipient = agent.accepted.first
        #expect(recipient.map { Array($0.user.utf8) } == Array("jos\u{E9}".utf8))
        #expect(recipient?.detail.map { Array($0.utf8) } == Array("Entw\u{FC}rfe".utf8))
    }

    @Test("lmtp_downcase_rcpt folds ASCII letters only; other letters keep their case", arguments: [true, false])
    func downcaseIsASCIIOnly(downcase: Bool) {
        var settings = Fixture.settings
        settings.downcaseRecipients = downcase
        let (_, agent) = Self.recipientReply("JOSÉ@LOCALHOST", settings: settings)
        #expect(agent.accepted.first?.user == (downcase ? "josÉ" : "JOSÉ"))
        #expect(agent.accepted.first?.domain == (downcase ? "localhost" : "LOCALHOST"))
    }

    @Test("invalid UTF-8 in a recipient with SMTPUTF8: 553 5.1.3", arguments: [
        [0x6A, 0xC3],                   // truncated sequence
        [0xC0, 0xAF],                   // overlong "/"
        [0xE0, 0x80, 0xAE],             // overlong "."
        [0xED, 0xA0, 0x80],             // UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],       // beyond U+10FFFF
        [0xC2, 0x85],                   // C1 control (NEL)
        [0xFF],
    ] as [[UInt8]])
    func invalidRecipient(bytes: [UInt8]) {
        #expect(Self.recipientReply(bytes: Array("a".utf8) + bytes + Array("@localhost".utf8))
                == "553 5.1.3 Recipient address is not valid UTF-8")
    }

    @Test("invalid UTF-8 in the sender with SMTPUTF8: 553 5.1.7; the transaction does not start")
    func invalidSender() {
        let line = Array("LHLO x\r\nMAIL FROM:<s\u{0}".utf8).dropLast() + [0xC0, 0x80] + Array("@example.org> SMTPUTF8\r\nRCPT TO:<alice>\r\n".utf8)
        let result = runSession(Array(line))
        #expect(Array(result.replies.suffix(2)) == ["553 5.1.7 Sender address is not valid UTF-8", "503 5.5.1 Need MAIL command"])
    }

    @Test("control characters in a UTF-8 address are a syntax error; a NUL anywhere in a command too",
          arguments: [([0x00], "500 5.5.2 Syntax error"), ([0x01], "501 5.5.4 Syntax error in parameters"),
                      ([0x7F], "501 5.5.4 Syntax error in parameters"), ([0x1B], "501 5.5.4 Syntax error in parameters")] as [([UInt8], String)])
    func controls(bytes: [UInt8], reply: String) {
        #expect(Self.recipientReply(bytes: Array("jö".utf8) + bytes + Array("@localhost".utf8)) == reply)
    }

    @Test("UTF-8 without SMTPUTF8: 553 5.6.7 under lmtp_strict_rfc2821, a munged local part otherwise")
    func withoutParameter() {
        let strict = runSession("LHLO x\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<josé@localhost>\r\n")
        #expect(strict.replies.last == "553 5.6.7 Non-ASCII address not permitted without SMTPUTF8")
        var lax = Fixture.settings
        lax.strictRFC2821 = false
        let agent = FakeAgent()
        _ = runSession("LHLO x\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<josé@localhost>\r\n", settings: lax, agent: agent)
        #expect(agent.accepted.first?.user == "josxx", "munged to X, then downcased")
    }

    @Test("no way out of the partition: a UTF-8 look-alike of / stays inside the name, a real / or leading dot is refused")
    func pathSafety() {
        #expect(Self.recipientReply("a\u{2215}b@localhost").1.accepted.first?.user == "a\u{2215}b")
        #expect(Self.recipientReply("ü/../../etc@localhost").0 == "501 5.5.4 Syntax error in parameters")
        #expect(Self.recipientReply("..ü@localhost").0 == "501 5.5.4 Syntax error in parameters")
    }

    @Test("SMTPUTF8 takes no value (501 as any unknown parameter, as Cyrus answers them); any case, with BODY=")
    func parameterForm() {
        let result = runSession("LHLO x\r\nMAIL FROM:<s@example.org> SMTPUTF8=yes\r\nMAIL FROM:<s@example.org> smtputf8 BODY=8BITMIME\r\n")
        #expect(Array(result.replies.dropFirst(lhloLines)) == ["501 5.5.4 Unrecognized parameters", "250 2.1.0 ok"])
    }
}
