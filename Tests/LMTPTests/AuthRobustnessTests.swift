import Testing
@testable import LMTP

/// AUTH against bad input: cancel, broken base64, overlong lines, odd mechanism names, a client
/// that leaves mid-exchange, pipelining, and the TLS hand-over.
@Suite("AUTH robustness")
struct AuthRobustnessTests {
    @Test func starCancels() {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH LOGIN\r\n*\r\nNOOP\r\n", authenticator: authenticator)
        #expect(result.replies == ["334 VXNlcm5hbWU6", "501 5.5.4 client canceled authentication", "250 2.0.0 ok"])
        #expect(authenticator.cancels == 1 && authenticator.pauses.isEmpty)
    }

    @Test(arguments: ["!!!", "YWxp Y2U=", "YWxp=Y2U", "YW=xpY2U=", "Y"])
    func malformedInitialResponse(_ text: String) {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH PLAIN \(text)\r\nNOOP\r\n", authenticator: authenticator)
        #expect(result.replies == ["501 5.5.2 Cannot Base64-decode Client responses", "250 2.0.0 ok"])
        #expect(authenticator.starts.isEmpty)
    }

    @Test func malformedResponseToAChallenge() {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH LOGIN\r\nnot base64!\r\nNOOP\r\n", authenticator: authenticator)
        #expect(result.replies == ["334 VXNlcm5hbWU6", "501 5.5.2 Cannot Base64-decode Client responses", "250 2.0.0 ok"])
        #expect(authenticator.cancels == 1)
    }

    @Test func overlongResponseIsRefusedAndTheSessionGoesOn() {
        let authenticator = FakeAuthenticator()
        let long = String(repeating: "QUFB", count: 4000)
        let result = runAuthSession("AUTH LOGIN\r\n\(long)\r\nNOOP\r\n", authenticator: authenticator, chunkSizes: [1000])
        #expect(result.replies == ["334 VXNlcm5hbWU6", "500 5.5.6 Authentication Exchange line is too long", "250 2.0.0 ok"])
        #expect(authenticator.cancels == 1 && authenticator.responses.isEmpty)
    }

    @Test func aLongButAllowedResponseIsRead() {
        let authenticator = FakeAuthenticator()
        let long = String(repeating: "QUFB", count: 3000)
        let result = runAuthSession("AUTH LOGIN\r\n\(long)\r\n*\r\n", authenticator: authenticator)
        #expect(result.replies.last == "501 5.5.4 client canceled authentication")
        #expect(authenticator.responses.first?.count == 9000)
    }

    @Test(arguments: ["AUTH ", "AUTH PL@IN x", "AUTH \(String(repeating: "A", count: 21))", "AUTH P\u{e4}", "AUTH  PLAIN"])
    func invalidMechanismNamesNeverReachTheAuthenticator(_ line: String) {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("\(line)\r\n", authenticator: authenticator)
        #expect(result.replies == ["504 Unrecognized authentication type."])
        #expect(authenticator.starts.isEmpty)
    }

    @Test func unknownMechanismIsTheAuthenticatorsCall() {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH NOSUCH\r\nAUTH NOSUCH =\r\n", authenticator: authenticator)
        #expect(result.replies == Array(repeating: "504 Unrecognized authentication type.", count: 2))
        #expect(authenticator.starts.count == 2 && authenticator.pauses.isEmpty)
    }

    @Test func bareAuthIsASyntaxError() {
        #expect(runAuthSession("AUTH\r\n").replies == ["500 5.5.2 Syntax error"])
    }

    @Test func clientLeavingMidExchange() {
        let authenticator = FakeAuthenticator()
        let result = runAuthSession("AUTH LOGIN\r\n", authenticator: authenticator)
        #expect(result.end == .clientClosed)
        #expect(authenticator.cancels == 1)
        #expect(result.replies == ["334 VXNlcm5hbWU6"])
    }

    @Test func readErrorMidExchange() {
        let authenticator = FakeAuthenticator()
        let session = LMTPSession(settings: untrustedSettings, client: .unixSocket, agent: FakeAgent(),
                                  logger: .init(label: "t"), sessionIDs: Fixture.generator(), clock: Fixture.clock)
        session.authenticator = authenticator
        let output = RecordingOutput()
        let end = session.run(input: ChunkedInput("AUTH LOGIN\r\n", endError: .timedOut), output: output)
        #expect(end == .timedOut)
        #expect(output.lines.suffix(2) == ["334 VXNlcm5hbWU6", "421 4.4.1 bye idle for too long"])
        #expect(authenticator.cancels == 1)
    }

    @Test func pipelinedAfterAnInitialResponse() {
        let script = "LHLO c\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice>\r\n"
            + "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n"
        let result = runAuthSession(script)
        #expect(Array(result.replies.suffix(6)) == [
            "235 Authenticated!", "250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead",
            "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>", "221 2.0.0 bye",
        ])
        #expect(result.agent.delivered.count == 1)
    }

    @Test func challengeAnswersMayArriveInTheSameBatch() {
        let user = Base64.encode(Array("alice".utf8))
        let password = Base64.encode(Array("secret".utf8))
        let result = runAuthSession("AUTH LOGIN\r\n\(user)\r\n\(password)\r\nMAIL FROM:<a@b>\r\n", chunkSizes: [3])
        #expect(result.replies == ["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 Authenticated!", "250 2.1.0 ok"])
    }

    @Test func bareLFAnswersAreAccepted() {
        let result = runAuthSession("AUTH LOGIN\n\(Base64.encode(Array("alice".utf8)))\n\(Base64.encode(Array("secret".utf8)))\n")
        #expect(result.replies.last == "235 Authenticated!")
    }

    @Test func startTLSTellsTheAuthenticatorAndResetsAuth() {
        let authenticator = FakeAuthenticator()
        let upgrader = FakeTLSUpgrader(afterTLS: "LHLO c\r\nAUTH PLAIN \(plainResponse("alice", "secret"))\r\nMAIL FROM:<a@b>\r\n")
        let result = runAuthSession("LHLO c\r\nSTARTTLS\r\n", authenticator: authenticator, tls: upgrader)
        #expect(authenticator.layers.count == 1)
        #expect(authenticator.layers.first?.ssf == 256 && authenticator.layers.first?.authID == nil)
        let tls = upgrader.tlsOutput.lines
        #expect(tls.contains { $0.hasPrefix("250-AUTH PLAIN") })
        #expect(Array(tls.suffix(2)) == ["235 Authenticated!", "250 2.1.0 ok"])
        #expect(result.replies.contains("250-STARTTLS"))
    }

    @Test(arguments: [("version=TLSv1.3 cipher=X bits=256/256 verify=NO", 256), ("bits=128/256", 128), ("none", 0)])
    func tlsStrengthFromTheComment(_ comment: String, _ bits: Int) {
        #expect(LMTPSession<FakeAgent>.tlsStrength(comment) == bits)
    }
}
