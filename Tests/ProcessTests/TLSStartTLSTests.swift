import Foundation
import Glibc
import Testing

/// STARTTLS end to end: the real lmtpd as a TCP service child (no `-a`) with throw-away
/// certificates, driven by `openssl s_client`, swaks and a client that controls every byte.
@Suite("lmtpd STARTTLS on a TCP service")
struct TLSStartTLSTests {
    @Test("openssl s_client -starttls lmtp with a CA-signed client certificate delivers; LHLO after TLS has no STARTTLS")
    func sClientDelivers() throws {
        let service = try TLSServiceChild("tls-sclient")
        defer { service.stop() }
        let output = try TLSClientTools.sClient(port: service.port, lines: TLSClientTools.delivery(to: "alice", subject: "via s_client"),
                                                certificate: service.files.clientCert, key: service.files.clientKey)
        #expect(output.contains("250 2.1.5 Success SESSIONID="), "\(output)")
        #expect(output.contains("250-PIPELINING"))
        #expect(!output.contains("250-STARTTLS"), "STARTTLS is not offered again over TLS")
        let messages = service.bed.messages("alice").map { String(decoding: $0, as: UTF8.self) }
        #expect(messages.count == 1)
        #expect(messages.first?.contains("Received: from sclient.example (localhost [127.0.0.1])\n") == true)
        #expect(messages.first?.contains(" with LMTPSA\n\t(version=TLSv1.3 cipher=") == true)
        #expect(messages.first?.contains(" verify=YES) id ") == true)
        #expect(messages.first?.hasSuffix("Subject: via s_client\n\nsent over TLS\n") == true)
        #expect(service.child.log.contains("authenticated as client.example"))
    }

    @Test("swaks --tls with a client certificate delivers")
    func swaksDelivers() throws {
        let service = try TLSServiceChild("tls-swaks")
        defer { service.stop() }
        let run = try TLSClientTools.swaks(port: service.port, to: "bob@test.example", subject: "via swaks",
                                           certificate: service.files.clientCert, key: service.files.clientKey)
        #expect(run.status == 0, "\(run.transcript)")
        #expect(run.transcript.contains("<-  220 Begin TLS negotiation now"))
        let messages = service.bed.messages("bob").map { String(decoding: $0, as: UTF8.self) }
        #expect(messages.count == 1)
        #expect(messages.first?.contains(" with LMTPSA\n") == true)
        #expect(messages.first?.contains("Subject: via swaks\n") == true)
    }

    @Test("TLS alone does not authenticate: LHLO again, MAIL still needs authentication; STARTTLS twice is refused")
    func tlsWithoutCertificate() throws {
        // The service-prefixed option names work too (the service is "lmtp").
        let service = try TLSServiceChild("tls-nocert", tlsLines: { files in
            ["lmtp_tls_server_cert: \(files.serverCert)", "lmtp_tls_server_key: \(files.serverKey)"]
        })
        defer { service.stop() }
        let client = try service.connect()
        client.send("LHLO plain.example\r\n")
        #expect(client.readReply().contains("250-STARTTLS"))
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "220 Begin TLS negotiation now")
        #expect(client.startTLS(), "\(client.tlsError ?? "")")
        client.send("LHLO secure.example\r\n")
        let lhlo = client.readReply()
        #expect(lhlo.first == "250-test.example" && !lhlo.contains("250-STARTTLS"))
        client.send("MAIL FROM:<a@example.org>\r\n")
        #expect(client.reply() == "430 Authentication required")
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "454 4.3.3 Already successfully executed STARTTLS")
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
    }

    @Test("commands pipelined after STARTTLS in the same packet are discarded, not executed (CVE-2011-0411)")
    func pipelinedInjectionIsDiscarded() throws {
        let service = try TLSServiceChild("tls-inject")
        defer { service.stop() }
        let client = try service.connect()
        client.send("LHLO x\r\nSTARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<alice>\r\n")
        #expect(client.readReply().last?.hasPrefix("250 Ok SESSIONID=") == true)
        #expect(client.reply() == "220 Begin TLS negotiation now")
        // Any plain reply to the injected lines would break the handshake.
        #expect(client.startTLS(certificate: service.files.clientCert, key: service.files.clientKey), "\(client.tlsError ?? "")")
        client.send("RCPT TO:<alice>\r\n")
        #expect(client.reply() == "503 5.5.1 Need MAIL command", "the injected MAIL did not run")
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(service.bed.messages("alice").isEmpty)
        #expect(service.waitForLog("sent after STARTTLS before the TLS handshake"))
    }

    @Test("plain text where the handshake belongs: 454, closed, nothing executed; the child serves on")
    func plainTextInsteadOfHandshake() throws {
        let service = try TLSServiceChild("tls-plain")
        defer { service.stop() }
        let client = try service.connect()
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "220 Begin TLS negotiation now")
        client.send("MAIL FROM:<evil@example.org>\r\nRCPT TO:<alice>\r\n")
        #expect(client.reply() == "454 4.3.3 STARTTLS failed")
        #expect(client.isClosed())
        #expect(service.waitForLog("STARTTLS failed"))
        let next = try service.connect()
        next.send("NOOP\r\n")
        #expect(next.reply() == "250 2.0.0 ok")
    }

    @Test("a client that never starts the handshake is closed after lmtp_idle_timeout, logged; the child serves on")
    func handshakeTimeout() throws {
        let service = try TLSServiceChild("tls-timeout", idleTimeout: 2)
        defer { service.stop() }
        let client = try service.connect()
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "220 Begin TLS negotiation now")
        let start = Date()
        #expect(client.reply() == "454 4.3.3 STARTTLS failed")
        #expect(client.isClosed())
        let waited = Date().timeIntervalSince(start)
        #expect(waited > 1.5 && waited < 8, "closed after \(waited) s")
        #expect(service.waitForLog("TLS handshake timed out"))
        #expect(try service.connect().isEncrypted == false)
    }

    @Test("over TLS the idle timeout still ends a silent session, and SIGTERM still drains it")
    func idleTimeoutAndShutdownOverTLS() throws {
        let service = try TLSServiceChild("tls-idle", idleTimeout: 2)
        let quiet = try service.connect()
        quiet.send("STARTTLS\r\n")
        #expect(quiet.reply() == "220 Begin TLS negotiation now")
        #expect(quiet.startTLS(), "\(quiet.tlsError ?? "")")
        #expect(quiet.reply() == "421 4.4.1 bye idle for too long")
        #expect(quiet.isClosed())

        let draining = try service.connect()
        draining.send("STARTTLS\r\n")
        #expect(draining.reply() == "220 Begin TLS negotiation now")
        #expect(draining.startTLS(certificate: service.files.clientCert, key: service.files.clientKey))
        draining.send("NOOP\r\n")
        #expect(draining.reply() == "250 2.0.0 ok")
        service.child.kill(SIGTERM)
        #expect(draining.reply() == "421 4.3.2 bye server shutting down")
        #expect(service.child.wait() == 75)
    }

    @Test("a client that drops in the middle of the handshake: logged close, the child serves on")
    func clientDropsMidHandshake() throws {
        let service = try TLSServiceChild("tls-drop")
        defer { service.stop() }
        do {
            let client = try service.connect()
            client.send("STARTTLS\r\n")
            #expect(client.reply() == "220 Begin TLS negotiation now")
            client.send([0x16, 0x03, 0x01, 0x00])
        }
        #expect(service.waitForLog("client closed the connection during the TLS handshake"))
        #expect(service.child.isRunning)
        let next = try service.connect()
        next.send("NOOP\r\n")
        #expect(next.reply() == "250 2.0.0 ok")
    }

    @Test("a client certificate the CA did not sign fails the handshake: no authentication by it")
    func strangerCertificate() throws {
        let service = try TLSServiceChild("tls-stranger")
        defer { service.stop() }
        let client = try service.connect()
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "220 Begin TLS negotiation now")
        // TLS 1.3: the client may finish before the server checked its certificate; then the
        // server's alert ends the connection at the first read.
        if client.startTLS(certificate: service.files.strangerCert, key: service.files.strangerKey) {
            client.send("MAIL FROM:<a@example.org>\r\n")
            #expect(client.reply() == "")
        }
        #expect(service.waitForLog("STARTTLS failed"))
        #expect(service.bed.messages("alice").isEmpty)
    }

    @Test("-a: a trusted session is neither offered STARTTLS nor allowed it (500)")
    func preauthorizedSessions() throws {
        let service = try TLSServiceChild("tls-preauth", arguments: ["-a"])
        defer { service.stop() }
        let client = try service.connect()
        client.send("LHLO x\r\n")
        #expect(!client.readReply().contains("250-STARTTLS"))
        client.send("STARTTLS\r\n")
        #expect(client.reply() == "500 5.5.2 Syntax error")
    }

    @Test("an unusable certificate: logged, STARTTLS not offered, answered 454 Error initializing TLS")
    func unusableCertificate() throws {
        let service = try TLSServiceChild("tls-broken", tlsLines: { files in
            ["tls_server_cert: \(files.path("missing.crt"))", "tls_server_key: \(files.serverKey)"]
        })
        defer { service.stop() }
        let client = try service.connect()
        client.send("LHLO x\r\n")
        #expect(!client.readReply().contains("250-STARTTLS"))
        client.send("STARTTLS\r\nNOOP\r\n")
        #expect(client.reply() == "454 4.3.3 Error initializing TLS")
        #expect(client.reply() == "250 2.0.0 ok")
        #expect(service.waitForLog("unable to get certificate from"))
    }
}
