import Testing
@testable import LMTP

/// A transaction for `recipients`, with the message text as given (line ends untouched).
func transaction(_ message: String, recipients: [String] = ["alice@localhost"],
                 sender: String = "sender@example.org") -> String {
    var script = "LHLO client.example\r\nMAIL FROM:<\(sender)>\r\n"
    for recipient in recipients { script += "RCPT TO:<\(recipient)>\r\n" }
    return script + "DATA\r\n" + message
}

let lhloLines = 10

@Suite("DATA")
struct DataTests {
    @Test func deliversWithAddedHeadersAndLFLineEnds() {
        let message = "Subject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\nHello\r\n.\r\n"
        let result = runSession(transaction(message) + "QUIT\r\n")
        #expect(Array(result.replies.dropFirst(lhloLines)) == [
            "250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead",
            "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>", "221 2.0.0 bye",
        ])
        #expect(result.agent.storedText == addedHeaders() + "Subject: hi\nMessage-ID: <m1@example.org>\n\nHello\n")
        let envelope = result.agent.delivered.first?.envelope
        #expect(envelope?.sender == "sender@example.org")
        #expect(envelope?.sessionID == Fixture.id(2))
        #expect(envelope?.messageID == "<m1@example.org>")
        #expect(result.agent.discarded.isEmpty)
    }

    @Test func oneReplyPerRecipientInOrderWithMixedResults() {
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        agent.deliveryFailures["bob"] = .overQuota(permanent: false)
        agent.deliveryFailures["dave"] = .temporary("disk on fire")
        let result = runSession(transaction("\r\nbody\r\n.\r\n", recipients: ["alice", "nobody", "bob", "carol", "dave"]),
                                agent: agent)
        let id = Fixture.id(2)
        #expect(Array(result.replies.dropFirst(lhloLines + 1)) == [
            "250 2.1.5 ok"] + unknownUser + ["250 2.1.5 ok", "250 2.1.5 ok", "250 2.1.5 ok",
            "354 go ahead",
            "250 2.1.5 Success SESSIONID=<\(id)>",
            "452 4.2.2 Over quota SESSIONID=<\(id)>",
            "250 2.1.5 Success SESSIONID=<\(id)>",
            "451 4.3.0 disk on fire",
        ])
        #expect(agent.delivered.first?.recipients.map(\.user) == ["alice", "bob", "carol", "dave"])
    }

    @Test("a filter's refusal is 550 5.7.1 with the reason, one 550- line per line, for that recipient alone")
    func filterRejection() {
        let agent = FakeAgent()
        agent.deliveryFailures["bob"] = .rejected("I do not want this.\nReally not.\u{7}")
        agent.deliveryFailures["carol"] = .rejected("")
        let result = runSession(transaction("\r\nbody\r\n.\r\n", recipients: ["alice", "bob", "carol"]), agent: agent)
        let id = Fixture.id(2)
        #expect(Array(result.replies.suffix(4)) == [
            "250 2.1.5 Success SESSIONID=<\(id)>",
            "550-5.7.1 I do not want this.",
            "550 5.7.1 Really not.?",
            "550 5.7.1 Message rejected",
        ])
    }

    @Test func dataNeedsRecipients() {
        let result = runSession("DATA\r\nMAIL FROM:<a@b>\r\nDATA\r\n")
        #expect(result.replies == ["503 5.5.1 No recipients", "250 2.1.0 ok", "503 5.5.1 No recipients"])
        #expect(result.agent.opened.isEmpty)
    }

    @Test func dotUnstuffing() {
        let message = "\r\n..dot\r\n.x\r\n...\r\n. \r\nend.\r\n.\r\n"
        let result = runSession(transaction(message))
        #expect(result.agent.storedText == addedHeaders() + "\n.dot\nx\n..\n \nend.\n")
    }

    @Test func bareLFAndCRLFAreStoredIdentically() {
        let crlfResult = runSession(transaction("A: 1\r\nB: 2\r\n\r\nline one\r\nline two\r\n.\r\n"))
        let lfResult = runSession(transaction("A: 1\nB: 2\n\nline one\nline two\n.\n"))
        let mixed = runSession(transaction("A: 1\r\nB: 2\n\r\nline one\nline two\r\n.\n"))
        #expect(crlfResult.agent.storedText == addedHeaders() + "A: 1\nB: 2\n\nline one\nline two\n")
        #expect(lfResult.agent.storedText == crlfResult.agent.storedText)
        #expect(mixed.agent.storedText == crlfResult.agent.storedText)
    }

    @Test func aBareLFDotLineEndsTheMessage() {
        let result = runSession(transaction("\nbody\n.\n") + "NOOP\r\n")
        #expect(result.replies.suffix(2) == ["250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>", "250 2.0.0 ok"])
    }

    @Test func dotLinesThatAreNotTheEnd() {
        // ".\r\r\n" and ". \r\n" are not the final dot line.
        let result = runSession(transaction("\r\na\r\n.\r\r\nb\r\n.\r\n"))
        #expect(result.agent.storedText == addedHeaders() + "\na\n\nb\n")
    }

    @Test func bareCRIsRemoved() {
        let result = runSession(transaction("X-A: a\rb\r\n\r\nbo\rdy\r\r\n\r\n.\r\n"))
        #expect(result.agent.storedText == addedHeaders() + "X-A: ab\n\nbody\n\n")
    }

    /// Found by fuzzing (`Fuzz/Corpus/lmtp-session/regression-cr-in-header-name`): a CR inside a
    /// header name was stored, and a client's `Return-\rPath:` slipped past the Return-Path filter.
    @Test func bareCRInAHeaderNameIsRemovedToo() {
        let result = runSession(transaction("T\r: x\r\nReturn-\rPath: <forged@evil>\r\nMessage\r-ID: <m@x>\r\n\r\nb\r\n.\r\n"))
        #expect(result.agent.storedText == addedHeaders() + "T: x\nMessage-ID: <m@x>\n\nb\n")
        #expect(result.agent.delivered.first?.envelope.messageID == "<m@x>")
    }

    @Test func eightBitBodyBytesAreKept() {
        let body: [UInt8] = [0xC3, 0xA9, 0xFF, 0x80]
        let input = [UInt8](transaction("\r\n").utf8) + body + [UInt8]("\r\n.\r\n".utf8)
        let result = runSession(input)
        #expect(result.agent.delivered.first?.spool.bytes == [UInt8]((addedHeaders() + "\n").utf8) + body + [0x0A])
    }

    @Test func emptyMessageAndHeaderOnlyMessage() {
        let empty = runSession(transaction(".\r\n"))
        #expect(empty.agent.storedText == addedHeaders())
        let headersOnly = runSession(transaction("Subject: x\r\n.\r\n"))
        #expect(headersOnly.agent.storedText == addedHeaders() + "Subject: x\n")
    }

    @Test func transactionResetsAfterDataWithoutNewSessionID() {
        let script = transaction("\r\nx\r\n.\r\n") + "RCPT TO:<bob>\r\nMAIL FROM:<c@d>\r\nRCPT TO:<bob>\r\nDATA\r\n\r\ny\r\n.\r\n"
        let result = runSession(script)
        let id = Fixture.id(2)
        #expect(Array(result.replies.suffix(6)) == [
            "250 2.1.5 Success SESSIONID=<\(id)>", "503 5.5.1 Need MAIL command", "250 2.1.0 ok",
            "250 2.1.5 ok", "354 go ahead", "250 2.1.5 Success SESSIONID=<\(id)>",
        ])
        #expect(result.agent.delivered.count == 2)
        #expect(result.agent.delivered[1].envelope.sender == "c@d")
    }

    @Test func longLinesPassThroughIntact() {
        let line = String(repeating: "0123456789", count: 20_000) // 200 000 bytes, over 3 buffers
        let header = "X-Long: " + String(repeating: "h", count: 70_000)
        for chunks in [[], [1000], [65_535, 1, 2]] {
            let result = runSession(transaction(header + "\r\n\r\n" + line + "\r\n." + line + "\r\n.\r\n"), chunkSizes: chunks)
            #expect(result.agent.storedText == addedHeaders() + header + "\n\n" + line + "\n" + line + "\n")
            #expect(result.agent.delivered.first.map { $0.spool.writeCalls < 10 } == true)
        }
    }

    @Test("one key=value line per recipient: session, msgid, from, rcpt, mailbox, size, status, reply, delay")
    func deliveryIsLoggedPerRecipient() {
        let result = runSession(transaction("Message-ID: <abc@x>\r\n\r\nb\r\n.\r\n", recipients: ["alice+box", "bob"]))
        let lines = result.logs.messages.filter { $0.level == .info && $0.message.hasPrefix("session=") }
        #expect(lines.count == 2)
        let size = result.agent.delivered.first?.spool.text.utf8.count ?? -1
        for (line, (rcpt, user)) in zip(lines, [("alice+box", "alice"), ("bob", "bob")]) {
            let text = line.message
            #expect(text.hasPrefix("session=\(Fixture.id(2)) msgid=<abc@x> from=<sender@example.org> rcpt=<\(rcpt)> mailbox=\(user) size=\(size) status=delivered reply=\"250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>\" delay="), "\(text)")
            let delay = text.split(separator: " ").last.map(String.init) ?? ""
            let parts = delay.dropFirst("delay=".count).split(separator: ".", omittingEmptySubsequences: false)
            #expect(delay.hasPrefix("delay=") && parts.count == 2 && parts[1].count == 3
                    && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, "\(text)")
        }
    }

    @Test("refusals are logged per recipient too: unknown user at RCPT (no message yet), over quota after DATA")
    func refusalsAreLoggedPerRecipient() {
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        agent.deliveryFailures["bob"] = .overQuota(permanent: false)
        let result = runSession(transaction("Message-ID: <q@x>\r\n\r\nb\r\n.\r\n", recipients: ["nobody", "alice", "bob"]), agent: agent)
        let lines = result.logs.messages.map(\.message).filter { $0.hasPrefix("session=") }
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains("msgid=- from=<sender@example.org> rcpt=<nobody> mailbox=nobody size=- status=unknown_user reply=\"550") && $0.hasSuffix("delay=-") })
        #expect(lines.contains { $0.contains("rcpt=<alice> mailbox=alice") && $0.contains("status=delivered") })
        #expect(lines.contains { $0.contains("rcpt=<bob> mailbox=bob") && $0.contains("status=over_quota reply=\"452") })
        #expect(result.logs.messages.first { $0.message.contains("status=over_quota") }?.level == .notice)
    }

    @Test func envelopeCarriesFoldedMessageIDAndDate() {
        let message = "Message-ID:\r\n  <folded@x>  \r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <second@x>\r\n\r\n.\r\n"
        let envelope = runSession(transaction(message)).agent.delivered.first?.envelope
        #expect(envelope?.messageID == "<folded@x>")
        #expect(envelope?.date == "Mon, 1 Jan 2024 00:00:00 +0000")
    }

    @Test func theBodyIsStreamedToTheSpoolNotHeldInMemory() {
        let head = transaction("\r\n")
        let body = String(repeating: String(repeating: "s", count: 78) + "\r\n", count: 10_000) // 800 kB
        let input = ChunkedInput(head + body + ".\r\n", chunkSizes: [head.utf8.count, 4096])
        let agent = FakeAgent()
        var largestSpoolBeforeTheEnd = 0
        input.beforeRead = {
            if let spool = agent.opened.first, agent.delivered.isEmpty {
                largestSpoolBeforeTheEnd = max(largestSpoolBeforeTheEnd, spool.size)
            }
        }
        let session = LMTPSession(settings: Fixture.settings, client: .unixSocket, agent: agent,
                                  logger: .init(label: "t") { _ in RecordingLogHandler(recorder: LogRecorder()) },
                                  sessionIDs: Fixture.generator(), clock: Fixture.clock)
        _ = session.run(input: input, output: RecordingOutput())
        #expect(largestSpoolBeforeTheEnd > 700_000)
        #expect(agent.delivered.first.map { $0.spool.writeCalls <= 14 } == true) // 64 KiB spans
    }
}
