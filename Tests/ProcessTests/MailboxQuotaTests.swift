import Foundation
import Testing

/// Maildir++ quota through the real lmtpd: Cyrus's replies and rules, the maildirsize file
/// kept the way Dovecot reads it.
@Suite("lmtpd enforces and keeps Maildir++ quota")
struct MailboxQuotaTests {
    /// The RCPT reply for alice (the line after MAIL's).
    private func rcptReply(_ replies: [String]) -> String? {
        replies.count > 1 ? replies[1] : nil
    }

    @Test("LHLO advertises IGNOREQUOTA")
    func advertised() throws {
        let bed = try MailTestbed("quota-lhlo")
        let (output, _) = try bed.session("LHLO c\r\nQUIT\r\n")
        #expect(replyLines(output).contains("250-IGNOREQUOTA"))
    }

    @Test("at the limit mail is still taken (and overshoots); one byte over is 452 4.2.2")
    func edge() throws {
        let bed = try MailTestbed("quota-edge")
        try bed.writeMaildirsize("alice", "1000S\n1000 10\n")
        let atLimit = try bed.deliver(to: ["alice"])
        #expect(rcptReply(atLimit) == "250 2.1.5 ok")
        #expect(MailboxReplies.successes(atLimit) == 1)
        let size = bed.messages("alice")[0].count
        #expect(bed.maildirsize("alice") == "1000S\n1000 10\n\(size) 1\n")

        try bed.writeMaildirsize("alice", "1000S\n1001 10\n")
        let over = try bed.deliver(to: ["alice"])
        #expect(rcptReply(over)?.hasPrefix("452 4.2.2 Over quota SESSIONID=<") == true, "\(over)")
        #expect(bed.messages("alice").count == 1)
    }

    @Test("lmtp_over_quota_perm_failure makes it 552 5.2.2")
    func permanent() throws {
        let bed = try MailTestbed("quota-perm", extraConfig: ["lmtp_over_quota_perm_failure: 1"])
        try bed.writeMaildirsize("alice", "1000S\n1001 1\n")
        #expect(rcptReply(try bed.deliver(to: ["alice"]))?.hasPrefix("552 5.2.2 Over quota SESSIONID=<") == true)
    }

    @Test("RCPT TO:<...> IGNOREQUOTA delivers over quota, and the usage still counts it")
    func ignoreQuota() throws {
        let bed = try MailTestbed("quota-ignore")
        try bed.writeMaildirsize("alice", "1000S\n5000 1\n")
        let (output, _) = try bed.session("""
            LHLO c\r
            MAIL FROM:<sender@example.org>\r
            RCPT TO:<alice>\r
            RCPT TO:<alice> IGNOREQUOTA\r
            DATA\r
            Subject: over\r
            \r
            body\r
            .\r
            QUIT\r

            """)
        let replies = MailboxReplies.afterLHLO(replyLines(output))
        #expect(replies[1].hasPrefix("452 4.2.2 Over quota"), "\(replies)")
        #expect(replies[2] == "250 2.1.5 ok", "\(replies)")
        #expect(MailboxReplies.successes(replies) == 1)
        #expect(bed.messages("alice").count == 1)
        let size = bed.messages("alice")[0].count
        #expect(bed.maildirsize("alice") == "1000S\n5000 1\n\(size) 1\n")
    }

    @Test("lmtp_strict_quota counts SIZE= at RCPT: exactly filling the quota passes, one byte more does not")
    func strictAtRcpt() throws {
        let bed = try MailTestbed("quota-strict", extraConfig: ["lmtp_strict_quota: 1", "maxmessagesize: 100000"])
        try bed.writeMaildirsize("alice", "100000S\n90000 1\n")
        #expect(rcptReply(try bed.deliver(to: ["alice"], mailParameters: " SIZE=10000")) == "250 2.1.5 ok")
        try bed.writeMaildirsize("alice", "100000S\n90000 1\n")
        let over = try bed.deliver(to: ["alice"], mailParameters: " SIZE=10001")
        #expect(rcptReply(over)?.hasPrefix("452 4.2.2") == true, "\(over)")
    }

    @Test("lmtp_strict_quota checks the real size at delivery: room for it fits, too little room is refused")
    func strictAtDelivery() throws {
        let bed = try MailTestbed("quota-strict-data", extraConfig: ["lmtp_strict_quota: 1"])
        try bed.writeMaildirsize("alice", "0S\n0 0\n")
        let body = String(repeating: "probe ", count: 100)
        _ = try bed.deliver(to: ["alice"], body: body)
        // The stored size varies by a few bytes (session id, date in Received:).
        let probeSize = bed.messages("alice")[0].count
        try bed.writeMaildirsize("alice", "\(1000 + probeSize + 50)S\n1000 1\n")
        let fits = try bed.deliver(to: ["alice"], body: body)
        #expect(MailboxReplies.successes(fits) == 1, "\(fits)")
        try bed.writeMaildirsize("alice", "\(1000 + probeSize - 50)S\n1000 1\n")
        let over = try bed.deliver(to: ["alice"], body: body)
        #expect(Array(over.prefix(3)) == ["250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead"], "\(over)")
        #expect(over.contains { $0.hasPrefix("452 4.2.2 Over quota") }, "\(over)")
        #expect(bed.messages("alice").count == 2)
    }

    @Test("a message-count limit: non-strict allows reaching it, strict stops at it")
    func messageCount() throws {
        let lax = try MailTestbed("quota-count")
        try lax.writeMaildirsize("alice", "2C\n0 2\n")
        #expect(rcptReply(try lax.deliver(to: ["alice"])) == "250 2.1.5 ok")
        let strict = try MailTestbed("quota-count-strict", extraConfig: ["lmtp_strict_quota: 1"])
        try strict.writeMaildirsize("alice", "2C\n0 2\n")
        #expect(rcptReply(try strict.deliver(to: ["alice"]))?.hasPrefix("452 4.2.2") == true)
    }

    @Test("a stale maildirsize that claims over quota is recounted, and mail is taken")
    func staleRecount() throws {
        let bed = try MailTestbed("quota-stale")
        try bed.makeFolder("alice", ".Lists")
        try bed.writeMaildirsize("alice", "1000S\n5000 3\n", age: 20 * 60)
        let replies = try bed.deliver(to: ["alice+Lists"])
        #expect(rcptReply(replies) == "250 2.1.5 ok", "\(replies)")
        let size = try #require(bed.newMessages("alice", ".Lists").first).utf8.count
        #expect(bed.maildirsize("alice") == "1000S\n0 0\n\(size) 1\n")
    }

    @Test("a fresh maildirsize over quota with several lines is recounted too (Maildir++ rule)")
    func manyLinesRecount() throws {
        let bed = try MailTestbed("quota-lines")
        try bed.writeMaildirsize("alice", "1000S\n600 1\n600 1\n")
        let replies = try bed.deliver(to: ["alice"])
        #expect(rcptReply(replies) == "250 2.1.5 ok", "\(replies)")
        #expect(bed.maildirsize("alice")?.hasPrefix("1000S\n0 0\n") == true)
    }
}
