import Foundation
import Glibc
import Testing

/// A real MTA in front of lmtpd (issue 14): a private Postfix takes mail on SMTP at 127.0.0.1
/// and delivers it over LMTP (`lmtp:unix:` or `lmtp:inet:`) into lmtpd under minimaster. What
/// Postfix logs (`status=sent`, `deferred`) is compared with what the Maildirs hold: every
/// message exactly once. Duplicate suppression is off, so a message delivered twice would be
/// stored twice and seen.
@Suite("Postfix delivering to lmtpd over LMTP",
       .enabled(if: PostfixInstance.isInstalled, "Postfix is not installed: run scripts/setup-deps"),
       .enabled(if: SMTPSource.isInstalled, "Postfix's smtp-source is not installed: run scripts/setup-deps"),
       .enabled(if: ServiceUserHandover.dropsPrivileges, "a Postfix instance needs root"))
struct PostfixLMTPTests {
    enum Hop { case unix, inet }

    static let sender = "sender@example.org"

    /// lmtpd under minimaster on a unix socket or on 127.0.0.1 (with `-a`: Postfix's LMTP client
    /// does not authenticate), and a Postfix with an smtpd on a free loopback port that
    /// delivers `@localhost` there; duplicate suppression off. Stop Postfix first: its LMTP client
    /// keeps idle connections to lmtpd.
    static func stack(_ label: String, users: [String], hop: Hop)
        throws -> (harness: MasterHarness, postfix: PostfixInstance, smtpPort: UInt16, relay: String) {
        let harness = try MasterHarness(label, users: users)
        let destination: String, relay: String
        switch hop {
        case .unix:
            let socket = harness.socket("lmtp")
            try harness.writeConf(services: "  lmtpunix cmd=\"\(harness.lmtpd())\" listen=\"\(socket)\" prefork=1")
            destination = "unix:\(socket)"
            relay = "relay=pf.localdomain[\(socket)],"
        case .inet:
            let port = nonEphemeralFreeTCPPort()
            try harness.writeConf(services: "  lmtp cmd=\"\(harness.lmtpd("-a"))\" listen=\"127.0.0.1:\(port)\" prefork=1")
            destination = "inet:127.0.0.1:\(port)"
            relay = "relay=127.0.0.1[127.0.0.1]:\(port),"
        }
        try harness.bed.appendConfig(["duplicatesuppression: 0"])
        var smtpPort = nonEphemeralFreeTCPPort()
        while destination.hasSuffix(":\(smtpPort)") { smtpPort = nonEphemeralFreeTCPPort() }
        let postfix = try PostfixInstance(lmtp: destination, smtpPort: smtpPort)
        try harness.start()
        return (harness, postfix, smtpPort, relay)
    }

    /// `messages` from smtp-source to each user (`user@localhost`), one run per user.
    static func send(_ shares: [(user: String, messages: Int)], port: UInt16, sessions: Int = 10) throws {
        for share in shares {
            let run = try SMTPSource.send(port: port, from: sender, to: "\(share.user)@localhost",
                                          messages: share.messages, sessions: sessions, timeout: 180)
            #expect(run.status == 0, "smtp-source to \(share.user): \(run.output)")
        }
    }

    /// Postfix logged exactly one `status=sent` per message (`total`, per user as in `shares`),
    /// each for a queue file of its own; each user's Maildir holds exactly that many messages,
    /// no Message-Id twice; nothing deferred is left and nothing bounced.
    static func expectDeliveredOnce(_ shares: [(user: String, messages: Int)], harness: MasterHarness,
                                    postfix: PostfixInstance, relay: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let total = shares.reduce(0) { $0 + $1.messages }
        let sent = postfix.waitForOutcomeLines("sent", count: total, timeout: 180)
        #expect(sent.count == total, "\(sent.count) of \(total) logged status=sent", sourceLocation: sourceLocation)
        let wrong = sent.filter { !($0.contains("postfix/lmtp[") && $0.contains(relay) && $0.contains("status=sent (250 2.1.5 ")) }
        #expect(wrong.isEmpty, "\(wrong.prefix(3))", sourceLocation: sourceLocation)
        #expect(Set(sent.compactMap(PostfixInstance.queueID)).count == total, "a queue file sent twice", sourceLocation: sourceLocation)
        var allIDs: [String] = []
        for share in shares {
            let logged = sent.filter { $0.contains(" to=<\(share.user)@localhost>,") }
            #expect(logged.count == share.messages, "\(share.user): \(logged.count) logged", sourceLocation: sourceLocation)
            let ids = harness.bed.messageIDs(share.user)
            #expect(ids.count == share.messages, "\(share.user): \(ids.count) stored of \(share.messages)", sourceLocation: sourceLocation)
            #expect(!ids.contains(""), "\(share.user): a message without Message-Id", sourceLocation: sourceLocation)
            allIDs += ids
        }
        #expect(Set(allIDs).count == allIDs.count, "\(allIDs.count - Set(allIDs).count) messages stored twice", sourceLocation: sourceLocation)
        #expect(postfix.outcomeLines("bounced").isEmpty, "\(postfix.outcomeLines("bounced").prefix(3))", sourceLocation: sourceLocation)
        #expect(postfix.queued.isEmpty, "\(postfix.queued.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test("1,000 messages from smtp-source through Postfix to lmtp:unix: each logged status=sent once and stored once")
    func thousandOverUnixSocket() throws {
        let stack = try Self.stack("pf-lmtp-unix", users: ["alice", "bob", "carol"], hop: .unix)
        defer { stack.harness.stop() }
        defer { stack.postfix.stop() }

        let shares = [(user: "alice", messages: 400), (user: "bob", messages: 300), (user: "carol", messages: 300)]
        try Self.send(shares, port: stack.smtpPort)
        Self.expectDeliveredOnce(shares, harness: stack.harness, postfix: stack.postfix,
                                 relay: stack.relay)
        #expect(stack.postfix.outcomeLines("deferred").isEmpty, "\(stack.postfix.outcomeLines("deferred").prefix(3))")

        let first = String(decoding: stack.harness.bed.messages("alice").first ?? [], as: UTF8.self)
        #expect(first.hasPrefix("Return-Path: <\(Self.sender)>\nReceived: from pf.localdomain ("), "\(first)")
        #expect(first.contains(" with LMTPA id "), "an ASCII message is no SMTPUTF8 transaction: \(first)")
        #expect(first.contains("(Postfix) with SMTP id "), "Postfix's own Received (smtp-source says HELO): \(first)")
        #expect(first.contains("\nTo: <alice@localhost>\n") && first.contains("La de da de da"), "\(first)")
    }

    @Test("100 messages through Postfix to lmtp:inet:127.0.0.1:<port> (lmtpd -a)")
    func hundredOverTCP() throws {
        let stack = try Self.stack("pf-lmtp-inet", users: ["alice", "bob"], hop: .inet)
        defer { stack.harness.stop() }
        defer { stack.postfix.stop() }

        let shares = [(user: "alice", messages: 60), (user: "bob", messages: 40)]
        try Self.send(shares, port: stack.smtpPort, sessions: 5)
        Self.expectDeliveredOnce(shares, harness: stack.harness, postfix: stack.postfix, relay: stack.relay)
        #expect(stack.postfix.outcomeLines("deferred").isEmpty, "\(stack.postfix.outcomeLines("deferred").prefix(3))")
        let first = String(decoding: stack.harness.bed.messages("bob").first ?? [], as: UTF8.self)
        #expect(first.contains("Received: from pf.localdomain (localhost [127.0.0.1])") && first.contains(" with LMTPA id "), "\(first)")
    }

    @Test("lmtpd stopped: Postfix defers; lmtpd back and postqueue -f: every message delivered once, none lost, none doubled")
    func deferredWhileStoppedThenFlushed() throws {
        let stack = try Self.stack("pf-lmtp-defer", users: ["alice", "bob"], hop: .unix)
        defer { stack.harness.stop() }
        defer { stack.postfix.stop() }
        let (harness, postfix) = (stack.harness, stack.postfix)

        // Running: delivered at once.
        try Self.send([(user: "alice", messages: 30)], port: stack.smtpPort, sessions: 5)
        #expect(postfix.waitForOutcomeLines("sent", count: 30).count == 30, "\(postfix.maillog.suffix(2000))")

        // Stopped (minimaster ends its lmtpd children; the socket file stays, nobody listens):
        // every new message, and nothing else, is deferred.
        #expect(harness.stop() != nil, "minimaster did not stop")
        try Self.send([(user: "alice", messages: 20), (user: "bob", messages: 20)], port: stack.smtpPort, sessions: 5)
        #expect(waitUntil(timeout: 120) { postfix.queued.filter { $0.hasPrefix("deferred/") }.count == 40 },
                "\(postfix.queued.count) queued: \(postfix.queued.prefix(5))")
        let deferred = postfix.outcomeLines("deferred")
        #expect(Set(deferred.compactMap(PostfixInstance.queueID)).count == 40, "\(deferred.prefix(3))")
        #expect(deferred.allSatisfy { $0.contains("connect to") || $0.contains("delivery temporarily suspended") }, "\(deferred.prefix(3))")
        #expect(postfix.outcomeLines("sent").count == 30)
        #expect(harness.bed.files("alice").count == 30 && harness.bed.files("bob").isEmpty)

        // Back: the deferred queue is flushed into lmtpd.
        try harness.start()
        #expect(try postfix.flush(timeout: 120).isEmpty, "\(postfix.queued.prefix(5))")
        Self.expectDeliveredOnce([(user: "alice", messages: 50), (user: "bob", messages: 20)], harness: harness,
                                 postfix: postfix, relay: stack.relay)
    }

    /// One SMTP transaction with Postfix's smtpd, `MAIL FROM:<sender> SMTPUTF8`; the replies from
    /// the greeting to the end of the message (6), or up to the first refusal.
    static func submit(port: UInt16, from sender: String, to recipient: String, _ message: String) throws -> [String] {
        let connection = try SocketConnection(.tcp(port: port))
        defer { connection.close() }
        var replies = [try connection.readReply(timeout: 30)]
        for (command, expected) in [("EHLO client.example.org", "250"), ("MAIL FROM:<\(sender)> SMTPUTF8", "250"),
                                    ("RCPT TO:<\(recipient)>", "250"), ("DATA", "354")] {
            try connection.send(command + "\r\n")
            replies.append(try connection.readReply(timeout: 30))
            guard replies.last?.hasPrefix(expected) == true else { return replies }
        }
        try connection.send(message.replacingOccurrences(of: "\n", with: "\r\n") + ".\r\n")
        replies.append(try connection.readReply(timeout: 60))
        try connection.send("QUIT\r\n")
        _ = try? connection.readReply(timeout: 5)
        return replies
    }

    @Test("SMTPUTF8: a UTF-8 sender and recipient through Postfix (SMTP as typed and decomposed, and sendmail) reach jösé's Maildir, with UTF8LMTPA")
    func internationalizedThroughPostfix() throws {
        let user = "j\u{F6}s\u{E9}"                  // jösé, precomposed (NFC): the Maildir's name
        let decomposed = "jo\u{308}se\u{301}"        // the same user, typed with combining accents
        let sender = "zo\u{EB}@example.org"          // zoë@example.org
        let stack = try Self.stack("pf-lmtp-utf8", users: [user], hop: .unix)
        defer { stack.harness.stop() }
        defer { stack.postfix.stop() }
        let (harness, postfix) = (stack.harness, stack.postfix)

        for (n, recipient) in [user, decomposed].enumerated() {
            let replies = try Self.submit(port: stack.smtpPort, from: sender, to: "\(recipient)@localhost", """
                From: Zo\u{EB} <\(sender)>
                To: \(recipient)@localhost
                Subject: Gr\u{FC}\u{DF}e \(n)
                Message-ID: <utf8-\(n)@example.org>

                Hall\u{F6} \(recipient)

                """)
            #expect(replies.count == 6 && replies.last?.hasPrefix("250 2.0.0 Ok: queued as ") == true, "\(replies)")
        }
        // Submitted locally: no SMTPUTF8 parameter, Postfix detects the UTF-8 itself
        // (smtputf8_autodetect_classes = sendmail, its default) and asks lmtpd for SMTPUTF8.
        let local = try runTool(postfix.sendmail, ["-i", "-f", sender, "--", "\(user)@localhost"], input: """
            From: \(sender)
            Subject: Gr\u{FC}\u{DF}e 2
            Message-ID: <utf8-2@example.org>

            via sendmail

            """, timeout: 30)
        #expect(local.status == 0, "\(local.output)")
        let sent = postfix.waitForOutcomeLines("sent", count: 3, timeout: 60)
        #expect(sent.count == 3 && sent.allSatisfy { $0.contains("status=sent (250 2.1.5 ") }, "\(postfix.maillog)")
        #expect(postfix.outcomeLines("bounced").isEmpty && postfix.outcomeLines("deferred").isEmpty, "\(postfix.maillog)")

        // Both in the NFC-named Maildir (file names compared as bytes: Swift's String equality
        // would not tell the two forms apart).
        let names = (try? FileManager.default.contentsOfDirectory(atPath: harness.bed.partition.path)) ?? []
        #expect(names.map { Array($0.utf8) } == [Array(user.utf8)], "\(names)")
        let stored = harness.bed.messages(user).map { String(decoding: $0, as: UTF8.self) }
        #expect(stored.count == 3)
        for text in stored {
            #expect(text.hasPrefix("Return-Path: <\(sender)>\nReceived: from pf.localdomain ("), "\(text)")
            #expect(text.contains(" with UTF8LMTPA id "), "Postfix's LMTP client used SMTPUTF8: \(text)")
        }
        for text in stored where !text.contains("via sendmail") {
            #expect(text.contains("(Postfix) with UTF8SMTP id "), "Postfix's smtpd took SMTPUTF8 (RFC 6531's name): \(text)")
            #expect(text.contains("\nFrom: Zo\u{EB} <\(sender)>\n") && text.contains("\nSubject: Gr\u{FC}\u{DF}e "), "\(text)")
        }
        #expect(Set(harness.bed.messageIDs(user)) == ["<utf8-0@example.org>", "<utf8-1@example.org>", "<utf8-2@example.org>"])
        #expect(postfix.queued.isEmpty, "\(postfix.queued)")
    }
}
