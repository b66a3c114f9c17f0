import Foundation
import Glibc
import Testing

/// SIGTERM: stop accepting, let sessions finish, never lose an acknowledged message.
@Suite("minimaster: shutdown")
struct MinimasterShutdownTests {
    @Test("SIGTERM during DATA: every 250 has its file in the Maildir, the rest get 4xx or nothing")
    func drainWithLMTPD() throws {
        let h = try MasterHarness("drain")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=2 maxchild=10")
        try h.start()
        let target = MasterTarget.unix(h.socket("lmtp"))

        /// Opens a session and runs it up to `stage`: 0 after LHLO, 1 after RCPT, 2 in the body.
        func open(_ stage: Int, _ n: Int) -> MasterClient? {
            guard case .success(let c) = MasterClient.connect(target), c.readReply()?.hasPrefix("220") == true else { return nil }
            c.send("LHLO drain\r\n")
            guard c.readReply()?.hasPrefix("250") == true else { return nil }
            if stage >= 1 {
                c.send("MAIL FROM:<t@example.org>\r\nRCPT TO:<alice>\r\n")
                guard c.readReply()?.hasPrefix("250") == true, c.readReply()?.hasPrefix("250") == true else { return nil }
            }
            if stage >= 2 {
                c.send("DATA\r\n")
                guard c.readReply()?.hasPrefix("354") == true else { return nil }
                c.send("Subject: drain-\(n)\r\n\r\nfirst half of message \(n)\r\n")
            }
            return c
        }
        let inBody = (0..<4).compactMap { open(2, $0) }
        let afterRcpt = (10..<12).compactMap { open(1, $0) }
        let idle = (20..<22).compactMap { open(0, $0) }
        try #require(inBody.count == 4 && afterRcpt.count == 2 && idle.count == 2, "sessions could not be set up:\n\(h.log())")

        h.signal(SIGTERM)
        #expect(h.waitForLog("attempting clean shutdown"))
        usleep(300_000)
        // New clients are refused, not queued.
        if case .success = MasterClient.connect(target) { Issue.record("a new client was accepted during shutdown") }

        var acknowledged: [String] = []
        var tempFailed = 0
        for (i, client) in inBody.enumerated() {
            client.send("second half\r\n.\r\n")
            let reply = client.readReply(timeout: 15) ?? "(connection closed)"
            if reply.hasPrefix("250") { acknowledged.append("drain-\(i)") } else if reply.hasPrefix("4") { tempFailed += 1 }
            #expect(reply.hasPrefix("250") || reply.hasPrefix("4") || reply == "(connection closed)", "unexpected: \(reply)")
        }
        for (i, client) in afterRcpt.enumerated() {
            client.send("DATA\r\n")
            guard let go = client.readReply(timeout: 15), go.hasPrefix("354") else { continue }
            client.send("Subject: drain-\(10 + i)\r\n\r\nlate message\r\n.\r\n")
            if let reply = client.readReply(timeout: 15), reply.hasPrefix("250") { acknowledged.append("drain-\(10 + i)") }
        }
        for client in idle {
            client.send("MAIL FROM:<t@example.org>\r\n")
            let reply = client.readReply(timeout: 15)
            #expect(reply == nil || reply!.hasPrefix("250") || reply!.hasPrefix("4"), "idle session got \(reply ?? "")")
        }
        #expect(h.waitExit(timeout: 20) == 0)
        #expect(h.log().contains("All children have exited, closing down"))
        // Never a 250 without its file.
        let stored = h.bed.messages("alice").map { String(decoding: $0, as: UTF8.self) }
        for subject in acknowledged {
            #expect(stored.contains { $0.contains("Subject: \(subject)\n") }, "\(subject) was acknowledged but is not in the Maildir")
        }
        #expect(acknowledged.count + tempFailed >= 1)
        #expect(h.bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("a session that does not end within --drain-timeout is killed; minimaster still exits 0")
    func drainTimeout() throws {
        let port = masterFreePort()
        let h = try MasterHarness("drainkill")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"127.0.0.1:\(port)\" prefork=1")
        try h.start(["--drain-timeout", "1"])
        guard case .success(let client) = MasterClient.connect(.inet("127.0.0.1", port)), client.readLine() != nil else {
            Issue.record("no session")
            return
        }
        let started = Date()
        h.signal(SIGTERM)
        #expect(h.waitForLog("attempting clean shutdown"))
        // The session still works while draining (the echo service finishes sessions).
        client.send("hello\r\n")
        #expect(client.readLine() == "hello")
        // Once the idle child is gone (at most 0.2 s), new clients are refused.
        usleep(300_000)
        if case .success = MasterClient.connect(.inet("127.0.0.1", port)) { Issue.record("a new TCP client was accepted during shutdown") }
        #expect(h.waitExit(timeout: 10) == 0)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.9 && elapsed < 5, "drain took \(elapsed) s")
        #expect(h.log().contains("sending SIGKILL"))
        #expect(h.log().contains("All children have exited, closing down"))
        #expect(client.readLine(timeout: 2) == nil)
    }

    @Test("SIGINT and SIGQUIT shut down like SIGTERM; idle children exit 75 (\"was killed\")")
    func otherSignals() throws {
        for signal in [SIGINT, SIGQUIT] {
            let h = try MasterHarness("sig\(signal)")
            try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=2")
            try h.start()
            #expect(h.waitForChildren(2, catching: SIGTERM))
            h.signal(signal)
            #expect(h.waitExit() == 0)
            #expect(h.logLines(containing: "in READY state was killed").count == 2, "\(h.log())")
            #expect(h.children().isEmpty)
        }
    }
}
