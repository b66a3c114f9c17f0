import Testing
@testable import LMTP

@Suite("Added headers and dates")
struct HeaderBlockTests {
    @Test(arguments: [
        (Int64(1_795_550_421), 0, "Tue, 24 Nov 2026 20:00:21 +0000"),
        (0, 0, "Thu, 01 Jan 1970 00:00:00 +0000"),
        (-1, 0, "Wed, 31 Dec 1969 23:59:59 +0000"),
        (951_782_400 + 5 * 3600, -(5 * 3600 + 1800), "Mon, 28 Feb 2000 23:30:00 -0530"),
        (951_868_800, 3600, "Wed, 01 Mar 2000 01:00:00 +0100"),
        (4_107_542_400, 0, "Mon, 01 Mar 2100 00:00:00 +0000"),
        (1_709_164_800, 0, "Thu, 29 Feb 2024 00:00:00 +0000"),
    ] as [(Int64, Int, String)])
    func rfc5322Dates(_ time: Int64, _ offset: Int, _ expected: String) {
        #expect(LocalTime(unixTime: time, utcOffsetSeconds: offset).rfc5322 == expected)
    }

    @Test func systemClockGivesAPlausibleDate() {
        let now = WallClock.system.now()
        #expect(now.unixTime > 1_700_000_000)
        #expect(now.rfc5322.utf8.count == 31)
    }

    @Test func receivedForAnInternetClientWithAName() {
        let result = runSession(transaction("\r\n.\r\n"),
                                client: .inet(address: "192.0.2.7", hostname: "mx.example.org"))
        #expect(result.agent.storedText == addedHeaders(client: "mx.example.org [192.0.2.7]") + "\n")
    }

    @Test func receivedForAnInternetClientWithoutAName() {
        let result = runSession(transaction("\r\n.\r\n"), client: .inet(address: "2001:db8::1", hostname: nil))
        #expect(result.agent.storedText == addedHeaders(client: "[2001:db8::1]") + "\n")
    }

    @Test func localSenderGetsTheServername() {
        let result = runSession(transaction("\r\n.\r\n", sender: "localonly"))
        #expect(result.agent.storedText?.hasPrefix("Return-Path: <localonly@localhost>\n") == true)
        #expect(result.agent.delivered.first?.envelope.sender == "localonly")
    }

    @Test func nullSenderStaysEmpty() {
        let result = runSession(transaction("\r\n.\r\n", sender: ""))
        #expect(result.agent.storedText?.hasPrefix("Return-Path: <>\nReceived: ") == true)
        #expect(result.agent.delivered.first?.envelope.sender == "")
    }

    @Test func withoutServerInfoOrLHLO() {
        var settings = Fixture.settings
        settings.serverInfo = .off
        let result = runSession("MAIL FROM:<a@b>\r\nRCPT TO:<x>\r\nDATA\r\n\r\n.\r\n", settings: settings)
        #expect(result.agent.storedText == "Return-Path: <a@b>\nReceived: from unknown ([unix socket])\n"
                + "\tby localhost with LMTPA id \(Fixture.id(1));\n\t\(Fixture.date)\n\n")
    }

    @Test func defaultSettingsTrustNobody() {
        #expect(LMTPSettings().preauthenticated == false)
        let result = runSession("MAIL FROM:<a@b>\r\n", settings: LMTPSettings())
        #expect(result.replies == ["430 Authentication required"])
    }

    @Test func authIdentityCannotBreakOutOfItsComment() {
        let result = runSession(transaction("\r\n.\r\n").replacingOccurrences("MAIL FROM:<sender@example.org>",
                                                                            "MAIL FROM:<a@b> AUTH=x)y(z\\"))
        #expect(result.agent.storedText?.contains("\t(authenticated user=x?y?z? bits=0)\n") == true)
    }

    @Test func headerBlockWithoutPreauthentication() {
        let block = HeaderBlock(sender: "a@b", senderHasDomain: true, authorizedIdentity: "bob",
                                lhloName: "c", client: .unixSocket, authenticated: false,
                                sessionID: "id-1", date: LocalTime(unixTime: 0, utcOffsetSeconds: 0),
                                settings: Fixture.settings)
        #expect(block.text == "Return-Path: <a@b>\nReceived: from c ([unix socket])\n\t(authenticated user=bob bits=0)\n"
                + "\tby localhost (CyrusDelivery 1.2.3) with LMTP id id-1;\n\tThu, 01 Jan 1970 00:00:00 +0000\n")
    }
}

@Suite("Session ids")
struct SessionIDTests {
    @Test func formatAndCounterPerSecond() {
        final class Ticker: @unchecked Sendable { var now: Int64 = 100 }
        let ticker = Ticker()
        let generator = SessionIDGenerator(processID: 77, unixTime: { ticker.now }, random: { 5 })
        #expect(generator.next(prefix: "p") == "p-100-77-1-5")
        #expect(generator.next(prefix: "p") == "p-100-77-2-5")
        ticker.now = 101
        #expect(generator.next(prefix: "q") == "q-101-77-1-5")
    }

    @Test func defaultGeneratorUsesThisProcessAndRandomness() {
        let generator = SessionIDGenerator()
        let a = generator.next(prefix: "x").split(separator: "-")
        let b = generator.next(prefix: "x").split(separator: "-")
        #expect(a.count == 5 && b.count == 5)
        #expect(UInt64(a[4]) != nil)
        #expect(a[4] != b[4])
    }

    @Test func theCounterIsPerProcessAcrossSessions() {
        let generator = Fixture.generator()
        let first = runSession(Array("LHLO a\r\n".utf8), generator: generator)
        let second = runSession(Array("LHLO a\r\n".utf8), generator: generator)
        #expect(first.replies.last == "250 Ok SESSIONID=<\(Fixture.id(1))>")
        // Each connection starts with a fresh id (newer Cyrus); the counter goes on.
        #expect(second.replies.last == "250 Ok SESSIONID=<\(Fixture.id(3))>")
    }

    @Test func dataRepliesAndReceivedShowTheCurrentID() {
        let result = runSession("RSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x>\r\nDATA\r\n\r\n.\r\n")
        #expect(result.replies.last == "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>")
        #expect(result.agent.storedText?.contains("id \(Fixture.id(2));") == true)
        #expect(result.agent.delivered.first?.envelope.sessionID == Fixture.id(2))
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }
}
