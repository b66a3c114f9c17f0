import Foundation
import Testing

/// Who a recipient is: autocreate, the catch-all, shared folders (`postuser`), virtual domains.
@Suite("lmtpd finds, creates and shares mailboxes as Cyrus does")
struct MailboxAutocreateTests {
    static let unknownUser = ["550-Mailbox unknown.  Either there is no mailbox associated with this",
                              "550-name or you do not have authorization to see it.", "550 5.1.1 User unknown"]

    @Test("without autocreate an unknown user gets 550 5.1.1 and nothing is created")
    func unknownUser() throws {
        for extra in [[], ["autocreate_post: 1"], ["autocreate_quota: 100"]] {
            let bed = try MailTestbed("no-autocreate", extraConfig: extra)
            let before = bed.tree()
            let replies = try bed.deliver(to: ["newbie@test.example"])
            #expect(Array(replies.prefix(4)) == ["250 2.1.0 ok"] + Self.unknownUser, "\(extra): \(replies)")
            #expect(bed.tree() == before)
        }
    }

    @Test("autocreate_post with autocreate_quota 0 creates the Maildir without a quota file")
    func autocreateUnlimited() throws {
        let bed = try MailTestbed("autocreate-0", extraConfig: ["autocreate_post: 1", "autocreate_quota: 0"])
        let replies = try bed.deliver(to: ["newbie@test.example"])
        #expect(MailboxReplies.successes(replies) == 1, "\(replies)")
        #expect(bed.newFiles("newbie").count == 1)
        #expect(bed.maildirsize("newbie") == nil)
    }

    @Test("autocreate writes the folders and the quota, and counts the first message")
    func autocreateFull() throws {
        let bed = try MailTestbed("autocreate-full", extraConfig: [
            "autocreate_post: 1", "autocreate_quota: 10", "autocreate_quota_messages: 5",
            "autocreate_inbox_folders: Sent | Trash|Lists/Swift",
        ])
        let replies = try bed.deliver(to: ["newbie+Sent@test.example"])
        #expect(MailboxReplies.successes(replies) == 1, "\(replies)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: bed.maildir("newbie").path).sorted()
        #expect(entries == [".Lists.Swift", ".Sent", ".Trash", "cur", "maildirsize", "new", "tmp"])
        for folder in [".Lists.Swift", ".Sent", ".Trash"] {
            let marker = bed.folderDirectory("newbie", folder).appendingPathComponent("maildirfolder").path
            #expect(FileManager.default.fileExists(atPath: marker), "\(folder)")
        }
        let stored = try #require(bed.newFiles("newbie", ".Sent").first)
        let size = try #require(stored.split(separator: "=").last.flatMap { Int($0) })
        #expect(bed.maildirsize("newbie") == "10240S,5C\n0 0\n\(size) 1\n")
    }

    @Test("an autocreate_inbox_folders name that cannot be stored stops lmtpd at start with file:line")
    func badFolderConfig() throws {
        let bed = try MailTestbed("autocreate-bad", extraConfig: [
            "autocreate_post: 1", "autocreate_quota: 0", "autocreate_inbox_folders: Sent|a//b",
        ])
        let (output, status) = try bed.session("LHLO c\r\nQUIT\r\n")
        #expect(status == 78)
        #expect(output.hasPrefix("421 4.3.0 lmtpd: \(bed.configFile.path):6: autocreate_inbox_folders: folder \"a//b\""), "\(output)")
    }

    @Test("admins are never autocreated; autocreate_users limits who is")
    func autocreateWho() throws {
        let bed = try MailTestbed("autocreate-who", extraConfig: [
            "autocreate_post: 1", "autocreate_quota: 0", "admins: boss cyrus", "autocreate_users: newbie other",
        ])
        #expect(try bed.deliver(to: ["boss"]).contains("550 5.1.1 User unknown"))
        #expect(try bed.deliver(to: ["stranger"]).contains("550 5.1.1 User unknown"))
        #expect(MailboxReplies.successes(try bed.deliver(to: ["newbie"])) == 1)
        #expect(!FileManager.default.fileExists(atPath: bed.maildir("boss").path))
    }

    @Test("lmtp_catchall_mailbox takes mail for unknown users; postmaster is an ordinary user")
    func catchall() throws {
        let plain = try MailTestbed("no-catchall")
        #expect(try plain.deliver(to: ["postmaster@test.example"]).contains("550 5.1.1 User unknown"))

        let bed = try MailTestbed("catchall", extraConfig: ["lmtp_catchall_mailbox: bob"])
        let replies = try bed.deliver(to: ["nobody@test.example", "postmaster", "ghost+folder"])
        #expect(MailboxReplies.successes(replies) == 3, "\(replies)")
        #expect(bed.newFiles("bob").count == 1)
        #expect(bed.newFiles("alice").isEmpty)
    }

    @Test("postuser names the shared Maildir: existing folders take mail, others are unknown")
    func sharedFolders() throws {
        let bed = try MailTestbed("shared", users: ["alice", "shared"], extraConfig: ["postuser: shared"])
        try bed.makeFolder("shared", ".news")
        let ok = try bed.deliver(to: ["shared+news@test.example"])
        #expect(MailboxReplies.successes(ok) == 1, "\(ok)")
        #expect(bed.newFiles("shared", ".news").count == 1)
        #expect(try bed.deliver(to: ["shared+nosuch"]).contains("550 5.1.1 User unknown"))
        #expect(try bed.deliver(to: ["shared"]).contains("550 5.1.1 User unknown"))
        #expect(bed.newFiles("shared").isEmpty)
    }

    @Test("default empty postuser: +folder@host delivers to a folder of lmtp_shared_maildir; without one it is unknown")
    func sharedFoldersCyrusDefault() throws {
        let bed = try MailTestbed("shared-default", users: ["alice", "public"], extraConfig: ["lmtp_shared_maildir: public"])
        try bed.makeFolder("public", ".news")
        let ok = try bed.deliver(to: ["+news@test.example"])
        #expect(MailboxReplies.successes(ok) == 1, "\(ok)")
        #expect(bed.newFiles("public", ".news").count == 1)
        #expect(try bed.deliver(to: ["+nosuch@test.example"]).contains("550 5.1.1 User unknown"))
        #expect(bed.newFiles("public").isEmpty && bed.newFiles("alice").isEmpty)

        let plain = try MailTestbed("shared-none", users: ["alice"])
        #expect(try plain.deliver(to: ["+news@test.example"]).contains("550 5.1.1 User unknown"))
        #expect(try plain.deliver(to: ["+@test.example"]).contains("501 5.5.4 Syntax error in parameters"))
    }

    @Test("shared folders with the post right required: no p for anyone is 550 5.7.1")
    func sharedPermission() throws {
        let bed = try MailTestbed("shared-acl", users: ["shared"], extraConfig: [
            "postuser: shared", "lmtp_detail_needs_post_right: 1",
        ])
        try bed.makeFolder("shared", ".closed")
        try bed.makeFolder("shared", ".open", acl: "anyone p\n")
        try bed.makeFolder("shared", ".team", acl: "user=alice p\n")
        #expect(try bed.deliver(to: ["shared+closed"]).contains("550 5.7.1 Permission denied"))
        #expect(MailboxReplies.successes(try bed.deliver(to: ["shared+open"])) == 1)
        // Only alice may post to .team: known at delivery, from MAIL AUTH=.
        #expect(try bed.deliver(to: ["shared+team"]).contains("550 5.7.1 Permission denied"))
        #expect(MailboxReplies.successes(try bed.deliver(to: ["shared+team"], mailParameters: " AUTH=<alice>")) == 1)
        #expect(bed.newFiles("shared", ".closed").isEmpty)
        #expect(bed.newFiles("shared", ".team").count == 1)
    }

    @Test("virtdomains keeps a foreign domain in the Maildir name and drops the default domain")
    func virtualDomains() throws {
        let bed = try MailTestbed("virtdomains", users: ["alice", "carol@other.example"], extraConfig: [
            "virtdomains: userid", "defaultdomain: test.example",
        ])
        let replies = try bed.deliver(to: ["ALICE@TEST.EXAMPLE", "Carol@Other.Example", "alice@other.example"])
        #expect(MailboxReplies.successes(replies) == 2, "\(replies)")
        #expect(replies.contains("550 5.1.1 User unknown"))
        #expect(bed.newFiles("alice").count == 1)
        #expect(bed.newFiles("carol@other.example").count == 1)
    }
}
