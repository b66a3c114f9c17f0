import Testing
@testable import LMTP

@Suite("MAIL FROM")
struct MailTests {
    private func reply(_ line: String, settings: LMTPSettings = Fixture.settings) -> [String] {
        runSession(line + "\r\n", settings: settings).replies
    }

    @Test(arguments: [
        "MAIL FROM:<a@example.org>", "MAIL FROM:<>", "mail from:<localonly>",
        "MAIL FROM:<a@example.org> SIZE=1048576", "MAIL FROM:<a@example.org> BODY=8BITMIME",
        "MAIL FROM:<a@example.org> body=7bit SIZE=0 AUTH=<>", "MAIL FROM:<a@[127.0.0.1]>",
        "MAIL FROM:<@relay.example,@other.example:a@example.org>", "MAIL FROM:<\"john doe\"@example.org>",
        "MAIL FROM:<a\\ b@example.org>", "MAIL FROM:<a@example.org> AUTH=alice+2Bx",
    ])
    func accepted(_ line: String) {
        #expect(reply(line) == ["250 2.1.0 ok"])
    }

    @Test(arguments: [
        ("MAIL FROM:a@example.org", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM: <a@example.org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL TO:<a@example.org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org>x", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a b@example.org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@exa_mple.org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example..org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<\"unterminated@example.org>", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org> BOGUS=1", "501 5.5.4 Unrecognized parameters"),
        ("MAIL FROM:<a@example.org> ", "501 5.5.4 Unrecognized parameters"),
        ("MAIL FROM:<a@example.org>  SIZE=1", "501 5.5.4 Unrecognized parameters"),
        ("MAIL FROM:<a@example.org> SIZE=12abc", "501 5.5.4 Unrecognized parameters"),
        ("MAIL FROM:<a@example.org> BODY=7BITX", "501 5.5.4 Unrecognized parameters"),
        ("MAIL FROM:<a@example.org> BODY=BINARY", "501 5.5.4 Unrecognized BODY type"),
        ("MAIL FROM:<a@example.org> SIZE=", "501 5.5.2 SIZE requires a value"),
        ("MAIL FROM:<a@example.org> SIZE=abc", "501 5.5.2 SIZE requires a value"),
        ("MAIL FROM:<a@example.org> SIZE=1048577",
         "552 5.2.3 Message SIZE exceeds fixed maximum message size (1048576)"),
        ("MAIL FROM:<a@example.org> SIZE=99999999999999999999999",
         "552 5.2.3 Message SIZE exceeds fixed maximum message size (1048576)"),
        ("MAIL FROM:<a@example.org> AUTH=", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org> AUTH=a+2", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org> AUTH=a+00b", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org> AUTH=a=b", "501 5.5.4 Syntax error in parameters"),
        ("MAIL FROM:<a@example.org> AUTH=+C3+28", "501 5.5.4 Syntax error in parameters"),
    ] as [(String, String)])
    func refused(_ line: String, _ expected: String) {
        #expect(reply(line) == [expected])
    }

    @Test func sizeIsUnlimitedWhenMaxIsZero() {
        var settings = Fixture.settings
        settings.maxMessageSize = 0
        #expect(reply("MAIL FROM:<a@b> SIZE=99999999999", settings: settings) == ["250 2.1.0 ok"])
    }

    @Test func nestedMailIsRefusedEvenWithBadSyntax() {
        let result = runSession("MAIL FROM:<a@b>\r\nMAIL FROM:<c@d>\r\nMAIL FROM:garbage\r\n")
        #expect(result.replies == ["250 2.1.0 ok", "503 5.5.1 Nested MAIL command", "503 5.5.1 Nested MAIL command"])
    }

    @Test func aRefusedMailRecordsNothing() {
        // Cyrus keeps the sender after a bad parameter; this engine does not.
        let result = runSession("MAIL FROM:<a@b> BOGUS=1\r\nRCPT TO:<alice>\r\nMAIL FROM:<a@b>\r\n")
        #expect(result.replies == ["501 5.5.4 Unrecognized parameters", "503 5.5.1 Need MAIL command", "250 2.1.0 ok"])
    }

    @Test func eightBitSenderWithoutSMTPUTF8IsRefusedWhenStrictAndMungedOtherwise() {
        let line = [UInt8]("MAIL FROM:<caf".utf8) + [0xC3, 0xA9] + [UInt8]("@b>\r\nRCPT TO:<x>\r\nDATA\r\n\r\n.\r\n".utf8)
        #expect(runSession(line).replies.first == "553 5.6.7 Non-ASCII address not permitted without SMTPUTF8")
        var lax = Fixture.settings
        lax.strictRFC2821 = false
        let result = runSession(line, settings: lax)
        #expect(result.replies.first == "250 2.1.0 ok")
        #expect(result.agent.delivered.first?.envelope.sender == "cafXX@b")
    }

    @Test(arguments: [(true, "430 Authentication required"), (false, "530 Authentication required")] as [(Bool, String)])
    func unauthenticatedSessionsCannotSendMail(_ soft: Bool, _ expected: String) {
        var settings = Fixture.settings
        settings.preauthenticated = false
        settings.softNoAuth = soft
        let result = runSession("MAIL FROM:<a@b>\r\nMOO\r\nRCPT TO:<alice>\r\nDATA\r\nNOOP\r\n", settings: settings)
        #expect(result.replies == [expected, expected, "503 5.5.1 Need MAIL command", "503 5.5.1 No recipients", "250 2.0.0 ok"])
    }

    @Test func authParameterIsDecodedXtextAndReachesTheEnvelope() {
        let script = crlf("LHLO c\nMAIL FROM:<a@b> AUTH=<J+C3+A9r+2Bme+3D>\nRCPT TO:<alice>\nDATA\n\nx\n.\n")
        let result = runSession(script)
        #expect(result.agent.delivered.first?.envelope.authorizedIdentity == "Jér+me=")
        #expect(result.agent.storedText?.contains("\t(authenticated user=J??r+me= bits=0)\n") == true)
    }

    @Test func authEmptyBracketsMeansNoIdentity() {
        let result = runSession(crlf("MAIL FROM:<a@b> AUTH=<>\nRCPT TO:<alice>\nDATA\n\nx\n.\n"))
        #expect(result.agent.delivered.count == 1)
        #expect(result.agent.delivered.first?.envelope.authorizedIdentity == nil)
    }

    @Test func xtextDecoding() {
        #expect(XText.decode(ArraySlice("a+2Bb+3dc".utf8)) == Array("a+b=c".utf8))
        #expect(XText.decode(ArraySlice("+".utf8)) == nil)
        #expect(XText.decode(ArraySlice("+G0".utf8)) == nil)
        #expect(XText.decode(ArraySlice(" ".utf8)) == nil)
        #expect(XText.decode(ArraySlice("".utf8)) == [])
    }
}
