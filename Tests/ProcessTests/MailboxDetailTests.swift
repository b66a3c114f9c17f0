import Foundation
import Testing

/// `user+detail` through the real lmtpd: the folder when it exists (and allows posting),
/// the INBOX otherwise, never a path outside the user's Maildir.
@Suite("lmtpd delivers user+detail into Maildir++ folders")
struct MailboxDetailTests {
    @Test("alice+Work goes to .Work when it exists; alice+Nosuch falls back to the INBOX")
    func folderOrInbox() throws {
        let bed = try MailTestbed("detail")
        try bed.makeFolder("alice", ".Work")
        let replies = try bed.deliver(to: ["alice+Work@test.example"], headers: ["Subject: for work"])
        #expect(MailboxReplies.successes(replies) == 1, "\(replies)")
        #expect(bed.newMessages("alice", ".Work").count == 1)
        #expect(bed.newMessages("alice", ".Work").first?.contains("Subject: for work") == true)
        #expect(bed.newFiles("alice").isEmpty)

        let fallback = try bed.deliver(to: ["alice+Nosuch@test.example"], headers: ["Subject: no folder"])
        #expect(MailboxReplies.successes(fallback) == 1)
        #expect(bed.newMessages("alice").map { $0.contains("Subject: no folder") } == [true])
        #expect(!FileManager.default.fileExists(atPath: bed.folderDirectory("alice", ".Nosuch").path))
    }

    @Test("the detail is split at / (unixhierarchysep on) and kept in its case")
    func hierarchySlash() throws {
        let bed = try MailTestbed("detail-slash")
        try bed.makeFolder("alice", ".Lists.swift")
        _ = try bed.deliver(to: ["ALICE+Lists/swift@test.example"])
        #expect(bed.newFiles("alice", ".Lists.swift").count == 1)
        // With / as separator a dot inside a level cannot be stored in Maildir++: INBOX.
        _ = try bed.deliver(to: ["alice+Lists.swift"])
        #expect(bed.newFiles("alice").count == 1)
    }

    @Test("with unixhierarchysep off the detail is split at dots")
    func hierarchyDot() throws {
        let bed = try MailTestbed("detail-dot", extraConfig: ["unixhierarchysep: no"])
        try bed.makeFolder("alice", ".Lists.swift")
        _ = try bed.deliver(to: ["alice+Lists.swift"])
        #expect(bed.newFiles("alice", ".Lists.swift").count == 1)
        _ = try bed.deliver(to: ["alice+Lists/swift"])
        #expect(bed.newFiles("alice").count == 1)
    }

    @Test("& in a detail is modified UTF-7 on disk, as Dovecot names the folder")
    func ampersand() throws {
        let bed = try MailTestbed("detail-amp")
        try bed.makeFolder("alice", ".Tom&-Jerry")
        _ = try bed.deliver(to: ["alice+Tom&Jerry"])
        #expect(bed.newFiles("alice", ".Tom&-Jerry").count == 1)
        #expect(bed.newFiles("alice").isEmpty)
    }

    @Test("lmtp_fuzzy_mailbox_match finds Work-Stuff for work_stuff; without it the INBOX gets it")
    func fuzzy() throws {
        let strict = try MailTestbed("fuzzy-off")
        try strict.makeFolder("alice", ".Work-Stuff")
        _ = try strict.deliver(to: ["alice+work_stuff"])
        #expect(strict.newFiles("alice").count == 1)
        #expect(strict.newFiles("alice", ".Work-Stuff").isEmpty)

        let fuzzy = try MailTestbed("fuzzy-on", extraConfig: ["lmtp_fuzzy_mailbox_match: 1"])
        try fuzzy.makeFolder("alice", ".Work-Stuff")
        _ = try fuzzy.deliver(to: ["alice+work_stuff", "alice+WORK-STUFF"])
        #expect(fuzzy.newFiles("alice", ".Work-Stuff").count == 1)
        #expect(fuzzy.newFiles("alice").isEmpty)
    }

    @Test("with lmtp_detail_needs_post_right the folder's dovecot-acl decides, as Cyrus's p right")
    func postRight() throws {
        let bed = try MailTestbed("post-right", extraConfig: ["lmtp_detail_needs_post_right: 1"])
        try bed.makeFolder("alice", ".Closed")
        try bed.makeFolder("alice", ".Open", acl: "owner lrwstipekxa\nanyone p\n")
        _ = try bed.deliver(to: ["alice+Closed"], headers: ["Subject: closed"])
        _ = try bed.deliver(to: ["alice+Open"], headers: ["Subject: open"])
        #expect(bed.newMessages("alice").map { $0.contains("Subject: closed") } == [true])
        #expect(bed.newFiles("alice", ".Open").count == 1)
        // The owner (MAIL AUTH=<alice>) may post to her own folder.
        _ = try bed.deliver(to: ["alice+Closed"], headers: ["Subject: mine"], mailParameters: " AUTH=<alice>")
        #expect(bed.newMessages("alice", ".Closed").map { $0.contains("Subject: mine") } == [true])
    }

    @Test("two recipients that end in the same mailbox get one copy and two successes")
    func sameMailboxOnce() throws {
        let bed = try MailTestbed("same-box")
        try bed.makeFolder("alice", ".Work")
        let replies = try bed.deliver(to: ["alice+nosuch", "alice", "alice+Work", "Alice+Work"])
        #expect(MailboxReplies.successes(replies) == 4, "\(replies)")
        #expect(bed.newFiles("alice").count == 1)
        #expect(bed.newFiles("alice", ".Work").count == 1)
    }

    @Test("path tricks in +detail reach the INBOX or are refused, and create nothing", arguments: [
        "alice+../../etc", "alice+..", "alice+a/../../b", "alice+.hidden", "alice+a//b", "alice+/",
        "alice+" + String(repeating: "x", count: 300), "alice+~root", "alice+INBOX/../x", "alice+a\u{1}b",
    ])
    func pathTricks(_ address: String) throws {
        let bed = try MailTestbed("detail-tricks")
        let before = bed.tree()
        let replies = try bed.deliver(to: [address])
        let refused = replies.contains { $0.hasPrefix("501 5.5.4") }
        #expect(refused || MailboxReplies.successes(replies) == 1, "\(replies)")
        let added = bed.tree().subtracting(before)
        #expect(added.allSatisfy { $0.hasPrefix("mail/alice/new/") || $0.hasPrefix("conf/deliver.db") }, "\(added)")
        #expect(bed.newFiles("alice").count == (refused ? 0 : 1))
    }
}
