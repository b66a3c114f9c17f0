import Testing
@testable import LMTP

/// STARTTLS in the engine, with a fake upgrader: Cyrus's replies, the discarded pipelined
/// input, the reset after the handshake, certificate authentication, `with LMTPS(A)`.
@Suite("STARTTLS")
struct StartTLSTests {
    static let lhloLines = [
        "250-localhost", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-PIPELINING", "250-SIZE 1048576",
    ]

    @Test func offeredAfterSizeWhenConfiguredAndNotTrusted() {
        let result = runTLSSession("LHLO client\r\n")
        #expect(result.plainReplies == Self.lhloLines + [
            "250-STARTTLS", "250-SMTPUTF8", "250-CHUNKING", "250-BINARYMIME", "250-IGNOREQUOTA",
            "250 Ok SESSIONID=<\(Fixture.id(1))>",
        ])
    }

    @Test func preauthenticatedSessionsNeitherSeeNorGetIt() {
        let result = runTLSSession("LHLO client\r\nSTARTTLS\r\nNOOP\r\n", settings: Fixture.settings)
        #expect(!result.plainReplies.contains("250-STARTTLS"))
        #expect(result.plainReplies.suffix(2) == ["500 5.5.2 Syntax error", "250 2.0.0 ok"])
        #expect(result.upgrader?.prepared == 0)
    }

    @Test func withoutTLSConfiguredItIsASyntaxError() {
        let result = runTLSSession("LHLO client\r\nSTARTTLS\r\n", withoutTLS: true)
        #expect(!result.plainReplies.contains("250-STARTTLS"))
        #expect(result.plainReplies.last == "500 5.5.2 Syntax error")
    }

    @Test func unusableConfigurationIsNotOfferedAndAnswered454() {
        let upgrader = FakeTLSUpgrader(afterTLS: "")
        upgrader.isAvailable = false
        let result = runTLSSession("LHLO client\r\nSTARTTLS\r\nNOOP\r\n", upgrader: upgrader)
        #expect(!result.plainReplies.contains("250-STARTTLS"))
        // Refused: the session goes on in plain text, pipelined commands included.
        #expect(result.plainReplies.suffix(2) == ["454 4.3.3 Error initializing TLS", "250 2.0.0 ok"])
        #expect(upgrader.prepared == 0 && upgrader.upgrades == 0)
    }

    @Test func preparationFailureKeepsThePlainSession() {
        let upgrader = FakeTLSUpgrader(afterTLS: "")
        upgrader.prepareFailure = TLSFailure("SSL_new failed")
        let result = runTLSSession("STARTTLS\r\nNOOP\r\n", upgrader: upgrader)
        #expect(result.plainReplies == ["454 4.3.3 Error initializing TLS", "250 2.0.0 ok"])
        #expect(upgrader.upgrades == 0)
        #expect(result.logs.messages.contains { $0.level == .error && $0.message.contains("initializing TLS") })
    }

    @Test func begin220IsWrittenBeforeTheHandshake() {
        let result = runTLSSession("STARTTLS\r\n", afterTLS: "QUIT\r\n")
        #expect(result.upgrader?.plainLinesAtHandshake.last == "220 Begin TLS negotiation now")
        #expect(result.plainReplies == ["220 Begin TLS negotiation now"])
        #expect(result.tlsReplies == ["221 2.0.0 bye"])
        #expect(result.end == .quit)
    }

    @Test("bytes pipelined after STARTTLS are discarded, never executed (CVE-2011-0411)")
    func pipelinedInputIsDiscarded() {
        let upgrader = FakeTLSUpgrader(afterTLS: "NOOP\r\nQUIT\r\n")
        upgrader.peerIdentity = "client.example"    // MAIL would even be allowed after TLS
        let result = runTLSSession("LHLO x\r\nSTARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<alice>\r\n",
                                   upgrader: upgrader)
        #expect(result.plainReplies.last == "220 Begin TLS negotiation now")
        #expect(!result.plainReplies.contains { $0.hasPrefix("430") || $0.hasPrefix("250 2.1") })
        // The discarded MAIL/RCPT neither ran in plain text nor leaked into the TLS session.
        #expect(result.tlsReplies == ["250 2.0.0 ok", "221 2.0.0 bye"])
        #expect(result.agent.verified.isEmpty)
        #expect(result.logs.messages.contains { $0.message.contains("discarded 47 bytes") })
    }

    @Test func pipelinedInputIsDiscardedEvenInSmallChunks() {
        let upgrader = FakeTLSUpgrader(afterTLS: "RCPT TO:<alice>\r\nQUIT\r\n")
        upgrader.peerIdentity = "client.example"
        // The first read ends inside the injected MAIL line: its rest arrives "after" the handshake
        // in a real socket, where TLS would reject it; here the fake's TLS stream carries no MAIL.
        let result = runTLSSession("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n", upgrader: upgrader, chunkSizes: [14])
        #expect(result.tlsReplies == ["503 5.5.1 Need MAIL command", "221 2.0.0 bye"])
    }

    @Test func lhloAfterTLSNoLongerOffersIt() {
        let result = runTLSSession("LHLO plain\r\nSTARTTLS\r\n", afterTLS: "LHLO secure\r\n")
        #expect(result.tlsReplies == Self.lhloLines + ["250-SMTPUTF8", "250-CHUNKING", "250-BINARYMIME", "250-IGNOREQUOTA",
                                                   "250 Ok SESSIONID=<\(Fixture.id(2))>"])
    }

    @Test func secondStartTLSIsRefused() {
        let result = runTLSSession("STARTTLS\r\n", afterTLS: "STARTTLS\r\nNOOP\r\n")
        #expect(result.tlsReplies == ["454 4.3.3 Already successfully executed STARTTLS", "250 2.0.0 ok"])
        #expect(result.upgrader?.upgrades == 1)
    }

    @Test("after RCPT: 503 (the session authenticated itself, as AUTH would)")
    func notPermittedDuringATransaction() {
        let result = runTLSSession("LHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice>\r\nSTARTTLS\r\nNOOP\r\n",
                                   chunkSizes: [8, 1000]) { session, reads in
            if reads == 2 { session.authenticated = true }
        }
        #expect(result.plainReplies.suffix(4) == [
            "250 2.1.0 ok", "250 2.1.5 ok", "503 5.5.0 STARTTLS not permitted now", "250 2.0.0 ok",
        ])
        #expect(result.upgrader?.prepared == 0)
    }

    @Test("an authenticated session is not offered STARTTLS, may still use it, and is reset by it")
    func authenticationIsForgottenAfterTLS() {
        let result = runTLSSession("LHLO x\r\nLHLO y\r\nSTARTTLS\r\n", afterTLS: "MAIL FROM:<a@example.org>\r\n",
                                   chunkSizes: [8, 1000]) { session, reads in
            if reads == 2 { session.authenticated = true }
        }
        #expect(result.plainReplies.filter { $0 == "250-STARTTLS" }.count == 1)
        #expect(result.plainReplies.last == "220 Begin TLS negotiation now")
        #expect(result.tlsReplies == ["430 Authentication required"])
    }

    @Test func verifiedClientCertificateAuthenticates() {
        let upgrader = FakeTLSUpgrader(afterTLS: "LHLO secure.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n")
        upgrader.peerIdentity = "client.example"
        let result = runTLSSession("LHLO plain.example\r\nMAIL FROM:<a@example.org>\r\nSTARTTLS\r\n", upgrader: upgrader)
        #expect(result.plainReplies.contains("430 Authentication required"))
        #expect(result.tlsReplies.suffix(4) == [
            "250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead", "250 2.1.5 Success SESSIONID=<\(Fixture.id(3))>",
        ])
        #expect(result.agent.storedText == "Return-Path: <a@example.org>\nReceived: from secure.example ([192.0.2.9])\n"
                + "\tby localhost (CyrusDelivery 1.2.3) with LMTPSA\n"
                + "\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256 verify=YES) id \(Fixture.id(3));\n"
                + "\t\(Fixture.date)\nSubject: x\n\nhi\n")
    }

    @Test func lhloNameIsForgottenAfterTLS() {
        let upgrader = FakeTLSUpgrader(afterTLS: "MAIL FROM:<a@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\n\r\n.\r\n")
        upgrader.peerIdentity = "client.example"
        let result = runTLSSession("LHLO plain.example\r\nSTARTTLS\r\n", upgrader: upgrader)
        #expect(result.agent.storedText?.hasPrefix("Return-Path: <a@example.org>\nReceived: from unknown ([192.0.2.9])\n") == true)
        #expect(result.tlsReplies.count == 4)
    }

    @Test func failedHandshakeIsAnsweredAndEndsTheSession() {
        let upgrader = FakeTLSUpgrader(afterTLS: "")
        upgrader.upgradeFailure = TLSFailure("TLS handshake timed out")
        let result = runTLSSession("STARTTLS\r\nNOOP\r\n", upgrader: upgrader)
        #expect(result.plainReplies == ["220 Begin TLS negotiation now", "454 4.3.3 STARTTLS failed"])
        #expect(result.end == .failed("STARTTLS failed: TLS handshake timed out"))
        #expect(result.logs.messages.contains { $0.level == .notice && $0.message == "STARTTLS failed: [192.0.2.9]" })
    }

    @Test func lostConnectionBefore220EndsTheSession() {
        let output = RecordingOutput()
        output.failure = .failed("Broken pipe")
        let upgrader = FakeTLSUpgrader(afterTLS: "")
        let session = LMTPSession(settings: untrustedSettings, client: .inet(address: "192.0.2.9", hostname: nil),
                                  agent: FakeAgent(), logger: .init(label: "test"), sessionIDs: Fixture.generator())
        let end = session.run(input: ChunkedInput("STARTTLS\r\n"), output: output, tls: upgrader)
        #expect(end == .failed("Broken pipe"))
        #expect(upgrader.upgrades == 0)
    }

    @Test func startTLSWithArgumentsIsASyntaxError() {
        let result = runTLSSession("STARTTLS now\r\nSTARTTLS \r\n")
        #expect(result.plainReplies == ["500 5.5.2 Syntax error", "500 5.5.2 Syntax error"])
        #expect(result.upgrader?.prepared == 0)
    }

    @Test func tlsStateIsVisible() {
        let upgrader = FakeTLSUpgrader(afterTLS: "QUIT\r\n")
        upgrader.peerIdentity = "client.example"
        let session = LMTPSession(settings: untrustedSettings, client: .unixSocket, agent: FakeAgent(),
                                  logger: .init(label: "test"), sessionIDs: Fixture.generator())
        _ = session.run(input: ChunkedInput("STARTTLS\r\n"), output: RecordingOutput(), tls: upgrader)
        #expect(session.tlsActive)
        #expect(session.tlsPeerIdentity == "client.example")
        // The next connection on the same session object starts without TLS.
        _ = session.run(input: ChunkedInput(""), output: RecordingOutput())
        #expect(!session.tlsActive && session.tlsPeerIdentity == nil)
    }

    @Test func receivedWithLMTPSWhenNotAuthenticated() {
        let block = HeaderBlock(sender: "a@b", senderHasDomain: true, authorizedIdentity: nil, lhloName: "c",
                                client: .unixSocket, authenticated: false, sessionID: "id1",
                                date: LocalTime(unixTime: Fixture.time, utcOffsetSeconds: 0),
                                settings: LMTPSettings(serverInfo: .off), tlsComment: "version=TLSv1.2 (x)")
        #expect(block.text == "Return-Path: <a@b>\nReceived: from c ([unix socket])\n\tby localhost with LMTPS\n"
                + "\t(version=TLSv1.2 ?x?) id id1;\n\t\(Fixture.date)\n")
    }
}
