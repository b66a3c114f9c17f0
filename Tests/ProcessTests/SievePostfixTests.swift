import Foundation
import Glibc
import Testing

/// Sieve's outgoing mail through Postfix's real sendmail (issue 13): lmtpd under minimaster, its
/// `sendmail` option `/usr/sbin/sendmail`, hands a redirect or a vacation reply to a private
/// Postfix, which delivers it over LMTP into the same lmtpd. Nothing leaves the machine: the
/// instance delivers `@localhost` only and refuses every other destination.
@Suite("Sieve through Postfix's sendmail",
       .enabled(if: PostfixInstance.isInstalled, "Postfix is not installed: run scripts/setup-deps"),
       .enabled(if: ServiceUserHandover.dropsPrivileges, "a Postfix instance needs root"))
struct SievePostfixTests {
    /// minimaster with lmtpd on a unix socket (alice, bob, carol; `scripts` installed per user),
    /// and a Postfix that delivers `@localhost` to that socket. Stop Postfix first: its LMTP
    /// client keeps an idle connection to lmtpd.
    private static func stack(_ label: String, scripts: [String: String]) throws -> (MasterHarness, PostfixInstance) {
        let harness = try MasterHarness(label, users: ["alice", "bob", "carol"])
        let socket = harness.socket("lmtp")
        try harness.writeConf(services: "  lmtpunix cmd=\"\(harness.lmtpd())\" listen=\"\(socket)\" prefork=1")
        try harness.bed.appendConfig(["sievedir: \(harness.bed.root.path)/sieve",
                                      "sendmail: \(PostfixInstance.sendmailProgram)"])
        for (user, script) in scripts { try SieveDeliveryTests.install(script, for: user, in: harness.bed) }
        let postfix = try PostfixInstance(lmtp: "unix:\(socket)")
        // lmtpd runs sendmail as the cyrus user: Postfix's configuration must be the default one.
        harness.launcher = postfix.namespaced
        try harness.start()
        return (harness, postfix)
    }

    /// One LMTP transaction with lmtpd; returns the DATA reply of the single recipient.
    private static func deliver(_ harness: MasterHarness, from sender: String, to recipient: String, _ message: String) throws -> String {
        let connection = try SocketConnection(.unix(harness.socket("lmtp")))
        defer { connection.close() }
        _ = try connection.readReply(timeout: 20)
        for (command, expected) in [("LHLO tester", "250"), ("MAIL FROM:<\(sender)>", "250"),
                                    ("RCPT TO:<\(recipient)>", "250"), ("DATA", "354")] {
            try connection.send(command + "\r\n")
            let reply = try connection.readReply(timeout: 20)
            guard reply.hasPrefix(expected) else { return "\(command): \(reply)" }
        }
        try connection.send(message.replacingOccurrences(of: "\n", with: "\r\n") + ".\r\n")
        let reply = try connection.readReply(timeout: 60)
        try connection.send("QUIT\r\n")
        _ = try? connection.readReply(timeout: 5)
        return reply
    }

    private static func text(_ message: [UInt8]?) -> String {
        message.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @Test("redirect: Postfix takes it from lmtpd (as cyrus) and delivers it over LMTP to bob, original return path; keep stores alice's copy")
    func redirectThroughPostfix() throws {
        let (harness, postfix) = try Self.stack("sieve-postfix-redirect", scripts: ["alice": "redirect \"bob@localhost\";\nkeep;\n"])
        defer { harness.stop() }
        defer { postfix.stop() }

        let reply = try Self.deliver(harness, from: "sender@example.org", to: "alice@localhost", """
            From: sender@example.org
            To: alice@localhost
            Subject: forward me
            Message-ID: <r1@example.org>

            the body

            """)
        #expect(reply.hasPrefix("250 2.1.5"), "\(reply)")
        let outcomes = postfix.waitForOutcomes(for: "bob@localhost")
        #expect(outcomes.count == 1 && outcomes.first?.contains("status=sent (250 2.1.5") == true, "\(postfix.maillog)")
        // pickup names the submitting user: the redirect came through postdrop from lmtpd.
        let cyrus = try #require(ServiceUserHandover.uid)
        #expect(postfix.maillog.contains("postfix/pickup[") && postfix.maillog.contains("uid=\(cyrus) from=<sender@example.org>"), "\(postfix.maillog)")

        let bob = Self.text(harness.bed.messages("bob").first)
        #expect(harness.bed.messages("bob").count == 1)
        #expect(bob.hasPrefix("Return-Path: <sender@example.org>\n"), "\(bob)")
        #expect(bob.contains("(Postfix") && bob.contains("Subject: forward me\n") && bob.contains("Message-ID: <r1@example.org>\n"))
        #expect(bob.hasSuffix("\n\nthe body\n"), "\(bob)")
        #expect(bob.components(separatedBy: "Return-Path:").count == 2, "Postfix drops the Return-Path of the redirected copy")
        #expect(harness.bed.messages("alice").count == 1, "keep")
        #expect(try postfix.flush().isEmpty, "\(postfix.queued)")
    }

    @Test("the whole loop in Postfix: submitted with the instance's sendmail (root, -C), delivered to alice, redirected, delivered to bob")
    func submittedToPostfix() throws {
        let (harness, postfix) = try Self.stack("sieve-postfix-loop", scripts: ["alice": "redirect \"bob@localhost\";\n"])
        defer { harness.stop() }
        defer { postfix.stop() }

        let submitted = try runTool(postfix.sendmail, ["-i", "-f", "sender@example.org", "--", "alice@localhost"],
                                    input: "Subject: round trip\n\nvia Postfix twice\n", timeout: 20)
        #expect(submitted.status == 0, "\(submitted.output)")
        let alice = postfix.waitForOutcomes(for: "alice@localhost"), bob = postfix.waitForOutcomes(for: "bob@localhost")
        #expect(alice.count == 1 && alice.first?.contains("status=sent (250 2.1.5") == true, "\(postfix.maillog)")
        #expect(bob.count == 1 && bob.first?.contains("status=sent (250 2.1.5") == true, "\(postfix.maillog)")
        let text = Self.text(harness.bed.messages("bob").first)
        #expect(text.hasPrefix("Return-Path: <sender@example.org>\n") && text.contains("Subject: round trip\n"), "\(text)")
        #expect(harness.bed.messages("alice").isEmpty, "redirect cancels the implicit keep")
    }

    @Test("vacation: the reply goes from <> through Postfix into carol's Maildir; her second message gets none")
    func vacationThroughPostfix() throws {
        let (harness, postfix) = try Self.stack("sieve-postfix-vacation",
                                                scripts: ["alice": "require \"vacation\";\nvacation :days 1 \"Away\";\n"])
        defer { harness.stop() }
        defer { postfix.stop() }

        func message(_ n: Int) -> String {
            "From: carol@localhost\nTo: alice@localhost\nSubject: lunch \(n)?\nMessage-ID: <v\(n)@localhost>\n\nare you in?\n"
        }
        let first = try Self.deliver(harness, from: "carol@localhost", to: "alice@localhost", message(1))
        #expect(first.hasPrefix("250 2.1.5"), "\(first)")
        let outcomes = postfix.waitForOutcomes(for: "carol@localhost")
        #expect(outcomes.count == 1 && outcomes.first?.contains("status=sent (250 2.1.5") == true, "\(postfix.maillog)")
        #expect(postfix.maillog.contains("from=<>, size="), "the reply's envelope sender is null: \(postfix.maillog)")

        let reply = Self.text(harness.bed.messages("carol").first)
        #expect(reply.hasPrefix("Return-Path: <>\n"), "\(reply)")
        #expect(reply.contains("Auto-Submitted: auto-replied (vacation)"))
        #expect(reply.contains("In-Reply-To: <v1@localhost>") && reply.contains("\nTo: <carol@localhost>\n"), "\(reply)")
        #expect(reply.contains("\nAway"), "\(reply)")

        // lmtpd answers 250 after sendmail returned: a second reply would be queued by now.
        let second = try Self.deliver(harness, from: "carol@localhost", to: "alice@localhost", message(2))
        #expect(second.hasPrefix("250 2.1.5"), "\(second)")
        #expect(try postfix.flush().isEmpty, "\(postfix.queued)")
        #expect(postfix.outcomes(for: "carol@localhost").count == 1, "\(postfix.maillog)")
        #expect(harness.bed.messages("carol").count == 1)
        #expect(harness.bed.messages("alice").count == 2, "vacation keeps both")
    }
}
