import Testing
@testable import LMTP

/// AUTH in the engine with a fake authenticator: the LHLO line, the MAIL gate, challenges,
/// initial responses, Cyrus's and RFC 4954's replies, `with LMTPA`.
@Suite("AUTH dialogue")
struct AuthDialogueTests {
    @Test func lhloListsTheMechanismsBetweenSizeAndIgnoreQuota() {
        let authenticator = FakeAuthenticator()
        authenticator.offered = ["SCRAM-SHA-256", "PLAIN"]
        let result = runAuthSession("LHLO client\r\n", authenticator: authenticator)
        #expect(Array(result.replies[4...9]) == ["250-SIZE 1048576", "250-AUTH SCRAM-SHA-256 PLAIN", "250-SMTPUTF8",
                                                 "250-CHUNKING", "250-BINARYMIME", "250-IGNOREQUOTA"])
    }

    @Test func noMechanismsNoAuthLine() {
        let authenticator = FakeAuthenticator()
        authenticator.offered = []
        let result = runAuthSession("LHLO client\r\nAUTH PLAIN\r\n", authenticator: authenticator)
        #expect(!result.replies.contains { $0.hasPrefix("250-AUTH") })
        #expect(result.replies.last == "504 Unrecognized authentication type.")
    }

    @Test func withoutAnAuthenticatorAuthIsASyntaxError() {
        let result = runAuthSession("LHLO client\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\n", authenticator: nil)
        #expect(!result.replies.contains { $0.hasPrefix("250-AUTH") })
        #expect(result.replies.last == "500 5.5.2 Syntax error")
    }

    @Test(arguments: [(true, "430 Authentication required"), (false, "530 Authentication required")])
    func mailNeedsAuthThenPasses(_ soft: Bool, _ refusal: String) {
        var settings = untrustedSettings
        settings.softNoAuth = soft
        let script = "LHLO c\r\nMAIL FROM:<a@b>\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\nMAIL FROM:<a@b>\r\n"
        let result = runAuthSession(script, settings: settings)
        #expect(Array(result.replies.suffix(3)) == [refusal, "235 Authenticated!", "250 2.1.0 ok"])
    }

    @Test func plainWithoutInitialResponseGetsAnEmptyChallenge() {
        let script = "AUTH PLAIN\r\n\(plainResponse("alice", "secret"))\r\nMAIL FROM:<a@b>\r\n"
        let result = runAuthSession(script)
        #expect(result.replies == ["334 ", "235 Authenticated!", "250 2.1.0 ok"])
    }

    @Test func loginChallengesAreBase64() {
        let user = Base64.encode(Array("alice".utf8))
        let password = Base64.encode(Array("secret".utf8))
        let result = runAuthSession("AUTH LOGIN\r\n\(user)\r\n\(password)\r\n")
        #expect(result.replies == ["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 Authenticated!"])
    }

    @Test func anEqualsSignIsAnEmptyInitialResponse() {
        let authenticator = FakeAuthenticator()
        _ = runAuthSession("AUTH EXTERNAL =\r\n", authenticator: authenticator)
        #expect(authenticator.starts.count == 1 && authenticator.starts[0].initialResponse == [])
        _ = runAuthSession("AUTH EXTERNAL\r\n", authenticator: authenticator)
        #expect(authenticator.starts.count == 2 && authenticator.starts[1].initialResponse == nil)
    }

    @Test func mechanismNamesAreCaseInsensitive() {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("auth plain \(plainResponse("alice", "secret"))\r\n", authenticator: authenticator)
        #expect(result.replies == ["235 Authenticated!"])
        #expect(authenticator.starts.first?.mechanism == "PLAIN")
    }

    @Test func wrongPasswordIs535AfterAPause() {
        let authenticator = FakeAuthenticator()
        let script = "AUTH PLAIN \(plainResponse("alice", "wrong"))\r\nMAIL FROM:<a@b>\r\n"
        let result = runAuthSession(script, authenticator: authenticator)
        #expect(result.replies == ["535 5.7.8 Authentication credentials invalid", "430 Authentication required"])
        #expect(authenticator.pauses == [1])
        #expect(result.logs.messages.contains { $0.message.hasPrefix("badlogin: [192.0.2.9] PLAIN Password verification failed") })
    }

    @Test func aSecondTryMaySucceed() {
        let script = "AUTH PLAIN \(plainResponse("alice", "wrong"))\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\n"
        let result = runAuthSession(script)
        #expect(result.replies == ["535 5.7.8 Authentication credentials invalid", "235 Authenticated!"])
    }

    @Test func threeFailuresCloseTheConnection() {
        let authenticator = FakeAuthenticator()
        let bad = "AUTH PLAIN \(plainResponse("alice", "wrong"))\r\n"
        let result = runAuthSession(bad + bad + bad + "NOOP\r\n", authenticator: authenticator)
        #expect(result.replies == Array(repeating: "535 5.7.8 Authentication credentials invalid", count: 3)
                + ["421 4.7.0 bye too many failed authentication attempts"])
        #expect(result.end == .tooManyAuthenticationFailures)
        #expect(authenticator.pauses == [1, 2, 3])
    }

    @Test func theLimitIsASetting() {
        var settings = untrustedSettings
        settings.maximumAuthenticationFailures = 1
        let result = runAuthSession("AUTH PLAIN \(plainResponse("bob", "x"))\r\n", settings: settings)
        #expect(result.replies.last == "421 4.7.0 bye too many failed authentication attempts")
    }

    @Test(arguments: [
        ("TEMPFAIL", "454 4.7.0 Temporary authentication failure"),
        ("WEAK", "534 5.7.9 Authentication mechanism is too weak"),
        ("CLEARTEXT", "538 5.7.11 Encryption required for requested authentication mechanism"),
    ])
    func otherFailuresDoNotCount(_ mechanism: String, _ reply: String) {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH \(mechanism)\r\n", authenticator: authenticator)
        #expect(result.replies == [reply])
        #expect(authenticator.pauses.isEmpty)
    }

    @Test func authTwiceIs503() {
        let ok = "AUTH PLAIN \(plainResponse("alice", "secret"))\r\n"
        let result = runAuthSession(ok + ok + "AUTH LOGIN\r\n")
        #expect(result.replies == ["235 Authenticated!", "503 5.5.0 already authenticated", "503 5.5.0 already authenticated"])
    }

    @Test func authAfterARecipientIsRefusedButAfterMailIsNot() {
        var settings = untrustedSettings
        settings.preauthenticated = true
        let auth = "AUTH PLAIN \(plainResponse("alice", "secret"))\r\n"
        let afterMail = runAuthSession("MAIL FROM:<a@b>\r\n" + auth + "RCPT TO:<alice>\r\n", settings: settings)
        #expect(afterMail.replies == ["250 2.1.0 ok", "235 Authenticated!", "250 2.1.5 ok"])
        let afterRcpt = runAuthSession("MAIL FROM:<a@b>\r\nRCPT TO:<alice>\r\n" + auth + "RSET\r\n" + auth, settings: settings)
        #expect(Array(afterRcpt.replies.suffix(3)) == ["503 5.5.0 AUTH not permitted now", "250 2.0.0 Ok SESSIONID=<\(Fixture.id(2))>",
                                                       "235 Authenticated!"])
    }

    @Test func authBeforeLHLOIsAllowedAndLHLOThenHidesAuth() {
        let result = runAuthSession("AUTH PLAIN \(plainResponse("alice", "secret"))\r\nLHLO c\r\n")
        #expect(result.replies.first == "235 Authenticated!")
        #expect(!result.replies.contains { $0.hasPrefix("250-AUTH") })
    }

    @Test func preauthenticatedSessionsMayStillAuthOnce() {
        let authenticator = FakeAuthenticator()
        authenticator.offered = ["EXTERNAL"]
        var settings = untrustedSettings
        settings.preauthenticated = true
        let result = runAuthSession("LHLO c\r\nAUTH EXTERNAL =\r\nAUTH EXTERNAL =\r\n", authenticator: authenticator, settings: settings)
        #expect(result.replies.contains("250-AUTH EXTERNAL"))
        #expect(Array(result.replies.suffix(2)) == ["235 Authenticated!", "503 5.5.0 already authenticated"])
    }

    @Test func authenticatedDeliveryIsMarkedLMTPA() {
        let script = "LHLO client.example\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\n"
            + "MAIL FROM:<s@example.org> AUTH=<alice>\r\nRCPT TO:<alice>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n"
        let stored = runAuthSession(script).agent.storedText ?? ""
        #expect(stored.contains("Received: from client.example ([192.0.2.9])\n\t(authenticated user=alice bits=0)\n"))
        #expect(stored.contains(" with LMTPA id "))
    }

    @Test func authenticatedIdentityIsExposed() {
        let authenticator = FakeAuthenticator()
        let session = LMTPSession(settings: untrustedSettings, client: .inet(address: "192.0.2.9", hostname: nil), agent: FakeAgent(),
                                  logger: .init(label: "t"), sessionIDs: Fixture.generator(), clock: Fixture.clock)
        session.authenticator = authenticator
        _ = session.run(input: ChunkedInput("AUTH PLAIN \(plainResponse("alice", "secret"))\r\n"), output: RecordingOutput())
        #expect(session.authenticatedIdentity == "alice")
        _ = session.run(input: ChunkedInput(""), output: RecordingOutput())
        #expect(session.authenticatedIdentity == nil)
    }
}
