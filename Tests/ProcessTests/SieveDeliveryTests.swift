import Foundation
import Glibc
import Testing

/// Sieve at delivery through real lmtpd sessions: scripts in Cyrus's sievedir layout (as
/// timsieved leaves them), outgoing mail through a capturing stand-in `sendmail`.
@Suite("Sieve at delivery")
struct SieveDeliveryTests {
    /// A testbed with `sievedir` and `sendmail` in its scratch directory.
    private static func bed(_ label: String, users: [String] = ["alice", "bob", "carol"], extra: [String] = []) throws -> MailTestbed {
        let probe = try MailTestbed(label, users: users)
        let root = probe.root.path
        try probe.appendConfig(["sievedir: \(root)/sieve", "sendmail: \(root)/sendmail"] + extra)
        try FileManager.default.createDirectory(atPath: root + "/sent", withIntermediateDirectories: true)
        try """
            #!/bin/sh
            # Records each message: its arguments and its text.
            n=$(ls \(root)/sent | wc -l)
            printf '%s\\n' "$@" > \(root)/sent/$n.args
            cat > \(root)/sent/$n.msg
            [ -e \(root)/sendmail-fails ] && { echo "refused" >&2; exit 75; }
            # A crash of lmtpd right after the MTA took the message (the marker is used once).
            [ -e \(root)/sendmail-kills ] && { rm -f \(root)/sendmail-kills; kill -9 $PPID; }
            exit 0
            """.write(toFile: root + "/sendmail", atomically: true, encoding: .utf8)
        chmod(root + "/sendmail", 0o755)
        return probe
    }

    /// Installs `script` as `user`'s active script, as timsieved does (`<name>.script` and
    /// the `defaultbc` link to `<name>.bc`).
    static func install(_ script: String, for user: String, in bed: MailTestbed, name: String = "main") throws {
        let directory = bed.root.path + "/sieve/\(user.first.map(String.init) ?? "q")/\(user)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try script.write(toFile: directory + "/\(name).script", atomically: true, encoding: .utf8)
        unlink(directory + "/defaultbc")
        symlink("\(name).bc", directory + "/defaultbc")
    }

    /// Messages the stand-in sendmail took: (arguments, text).
    private static func sent(_ bed: MailTestbed) -> [(args: [String], text: String)] {
        let directory = bed.root.path + "/sent"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".args") }.sorted()
        return names.map { name in
            let base = directory + "/" + name.dropLast(5)
            let args = (try? String(contentsOfFile: base + ".args", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            return (args, (try? String(contentsOfFile: base + ".msg", encoding: .utf8)) ?? "")
        }
    }

    private static func files(_ bed: MailTestbed, _ user: String, _ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: bed.maildir(user).appendingPathComponent(sub).path)) ?? []).sorted()
    }

    @Test("fileinto with flags: the copy is in the folder's cur/ with its flag letters; no script: INBOX as before")
    func fileintoWithFlags() throws {
        let bed = try Self.bed("sieve-fileinto")
        try bed.makeFolder("alice", ".Work")
        try Self.install("""
            require ["fileinto", "imap4flags"];
            if header :contains "subject" "report" { fileinto :flags ["\\\\Flagged", "$Work"] "Work"; stop; }
            """, for: "alice", in: bed)
        let replies = try bed.deliver(to: ["alice", "bob"], headers: ["Subject: weekly report"])
        #expect(MailboxReplies.successes(replies) == 2, "\(replies)")
        let filed = Self.files(bed, "alice", ".Work/cur")
        #expect(filed.count == 1 && filed.first?.hasSuffix(":2,Fa") == true, "\(filed)")
        #expect(Self.files(bed, "alice", "new").isEmpty)
        #expect((try? String(contentsOf: bed.maildir("alice").appendingPathComponent(".Work/dovecot-keywords"), encoding: .utf8)) == "0 $Work\n")
        #expect(bed.newFiles("bob").count == 1, "bob has no script: his INBOX")
    }

    @Test("reject: that recipient alone gets 550 5.7.1 with the reason, the others 250")
    func rejectOneOfThree() throws {
        let bed = try Self.bed("sieve-reject")
        try Self.install("require \"reject\";\nreject \"I do not accept mail from you.\";\n", for: "bob", in: bed)
        let replies = try bed.deliver(to: ["alice", "bob", "carol"])
        let data = Array(replies.dropLast().suffix(3))  // the three DATA replies before QUIT's 221
        #expect(data[0].hasPrefix("250 2.1.5") && data[2].hasPrefix("250 2.1.5"), "\(replies)")
        #expect(data[1] == "550 5.7.1 I do not accept mail from you.")
        #expect(bed.newFiles("bob").isEmpty && bed.newFiles("alice").count == 1 && bed.newFiles("carol").count == 1)
        #expect(Self.sent(bed).isEmpty)
    }

    @Test("vacation: one reply per sender within the interval, from <> to the sender, and the message is kept")
    func vacationOnce() throws {
        let bed = try Self.bed("sieve-vacation")
        try Self.install("require \"vacation\";\nvacation :days 7 :subject \"Away\" \"Back on Monday.\";\n", for: "alice", in: bed)
        for round in 1...2 {
            let replies = try bed.deliver(to: ["alice"], headers: ["Subject: hello \(round)", "To: alice@test.example", "Message-ID: <v\(round)@example.org>"])
            #expect(MailboxReplies.successes(replies) == 1, "\(replies)")
        }
        #expect(bed.newFiles("alice").count == 2)
        let sent = Self.sent(bed)
        #expect(sent.count == 1, "one reply within the interval: \(sent.map(\.args))")
        #expect(sent.first?.args == ["-i", "-f", "<>", "--", "sender@example.org"])
        #expect(sent.first?.text.contains("\nSubject: Away\n") == true && sent.first?.text.contains("Auto-Submitted: auto-replied (vacation)") == true)
        #expect(sent.first?.text.contains("In-Reply-To: <v1@example.org>") == true)
    }

    @Test("no vacation reply to mail not addressed to the user, or from a list")
    func vacationRules() throws {
        let bed = try Self.bed("sieve-vacation-rules")
        try Self.install("require \"vacation\";\nvacation \"Away.\";\n", for: "alice", in: bed)
        _ = try bed.deliver(to: ["alice"], headers: ["Subject: bcc", "To: someone-else@example.org"])
        _ = try bed.deliver(to: ["alice"], headers: ["Subject: list", "To: alice@test.example", "List-Id: <l.example.org>"])
        #expect(Self.sent(bed).isEmpty)
        #expect(bed.newFiles("alice").count == 2)
    }

    @Test("redirect: the message goes on with its original return path; keep is cancelled")
    func redirect() throws {
        let bed = try Self.bed("sieve-redirect")
        try Self.install("redirect \"carol@example.net\";\n", for: "alice", in: bed)
        let replies = try bed.deliver(to: ["alice"], headers: ["Subject: forward me", "Message-ID: <r1@example.org>"])
        #expect(MailboxReplies.successes(replies) == 1, "\(replies)")
        let sent = Self.sent(bed)
        #expect(sent.count == 1 && sent.first?.args == ["-i", "-f", "sender@example.org", "--", "carol@example.net"])
        #expect(sent.first?.text.hasPrefix("Received: ") == true && sent.first?.text.contains("Subject: forward me") == true)
        #expect(bed.newFiles("alice").isEmpty)
    }

    @Test("a sendmail that refuses makes that recipient 451; the other recipient is delivered")
    func sendmailRefuses() throws {
        let bed = try Self.bed("sieve-sendfail")
        try Self.install("redirect \"carol@example.net\";\n", for: "alice", in: bed)
        FileManager.default.createFile(atPath: bed.root.path + "/sendmail-fails", contents: Data())
        let replies = try bed.deliver(to: ["alice", "bob"], headers: ["Subject: x", "Message-ID: <f1@example.org>"])
        let data = Array(replies.dropLast().suffix(2))  // the two DATA replies before QUIT's 221
        #expect(data.first?.hasPrefix("451 4.3.0") == true, "\(replies)")
        #expect(data.last?.hasPrefix("250 2.1.5") == true)
        #expect(bed.newFiles("alice").isEmpty && bed.newFiles("bob").count == 1)
    }

    @Test("runtime failure (fileinto a missing folder): INBOX with $SieveFailed; a script that does not compile: INBOX")
    func failures() throws {
        let bed = try Self.bed("sieve-fail")
        try Self.install("require \"fileinto\";\nfileinto \"NoSuchFolder\";\n", for: "alice", in: bed)
        try Self.install("require \"fileinto\";\nfileinto \"Oops\"\n", for: "bob", in: bed)
        let replies = try bed.deliver(to: ["alice", "bob"])
        #expect(MailboxReplies.successes(replies) == 2, "\(replies)")
        let failed = Self.files(bed, "alice", "cur")
        #expect(failed.count == 1 && failed.first?.hasSuffix(":2,a") == true, "\(failed)")
        #expect((try? String(contentsOf: bed.maildir("alice").appendingPathComponent("dovecot-keywords"), encoding: .utf8)) == "0 $SieveFailed\n")
        #expect(bed.newFiles("bob").count == 1, "a script that does not compile delivers normally")
        #expect(!FileManager.default.fileExists(atPath: bed.maildir("alice").appendingPathComponent(".NoSuchFolder").path))
    }

    @Test("discard stores nothing and says 250; fileinto :create makes the folder")
    func discardAndCreate() throws {
        let bed = try Self.bed("sieve-discard")
        try Self.install("discard;\n", for: "alice", in: bed)
        try Self.install("require [\"fileinto\", \"mailbox\"];\nfileinto :create \"Lists/swift\";\n", for: "bob", in: bed)
        let replies = try bed.deliver(to: ["alice", "bob"])
        #expect(MailboxReplies.successes(replies) == 2, "\(replies)")
        #expect(bed.newFiles("alice").isEmpty && Self.files(bed, "alice", "cur").isEmpty)
        #expect(bed.newFiles("bob", ".Lists.swift").count == 1)
    }

    @Test("editheader changes that recipient's stored copy only: its own file, the same body; the others keep the header as received")
    func editheaderStoredCopy() throws {
        let bed = try Self.bed("sieve-editheader")
        try Self.install("""
            require ["editheader", "fileinto"];
            deleteheader "X-Spam-Flag";
            addheader "X-Filtered" "by alice's script";
            addheader :last "X-Long" "\(String(repeating: "word ", count: 30))end";
            if header :is "x-filtered" "by alice's script" { fileinto "INBOX"; }
            """, for: "alice", in: bed)
        let replies = try bed.deliver(to: ["alice", "bob"], headers: ["Subject: edited", "X-Spam-Flag: YES"])
        #expect(MailboxReplies.successes(replies) == 2, "\(replies)")
        func text(_ user: String) -> String {
            guard let name = bed.newFiles(user).first else { return "" }
            return (try? String(contentsOf: bed.maildir(user).appendingPathComponent("new/" + name), encoding: .utf8)) ?? ""
        }
        let alice = text("alice"), bob = text("bob")
        let aliceHeader = alice.components(separatedBy: "\n\n").first ?? ""
        #expect(aliceHeader.hasPrefix("X-Filtered: by alice's script\n"), "\(alice)")
        #expect(!alice.contains("X-Spam-Flag") && alice.contains("Subject: edited"))
        #expect(aliceHeader.contains("Return-Path: <sender@example.org>") && aliceHeader.contains("Received: "))
        #expect(aliceHeader.split(separator: "\n").allSatisfy { $0.utf8.count <= 78 }, "long values are folded")
        #expect(aliceHeader.contains("\n\tword") || aliceHeader.contains("\n word"))
        #expect(bob.contains("X-Spam-Flag: YES") && !bob.contains("X-Filtered"))
        #expect(alice.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
                == bob.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n"), "the same body")
        var aliceStat = stat(), bobStat = stat()
        stat(bed.maildir("alice").appendingPathComponent("new/" + (bed.newFiles("alice").first ?? "")).path, &aliceStat)
        stat(bed.maildir("bob").appendingPathComponent("new/" + (bed.newFiles("bob").first ?? "")).path, &bobStat)
        #expect(aliceStat.st_ino != bobStat.st_ino && bobStat.st_nlink == 1)
        #expect(Self.files(bed, "alice", "tmp").isEmpty && Self.files(bed, "bob", "tmp").isEmpty)
    }

    @Test("a crash after sendmail took the vacation reply: the retried delivery stores one copy and sends no second reply")
    func crashAfterVacationSent() throws {
        let bed = try Self.bed("sieve-crash-vacation")
        try Self.install("require \"vacation\";\nvacation :days 7 \"Back on Monday.\";\n", for: "alice", in: bed)
        let headers = ["Subject: hello", "To: alice@test.example", "Message-ID: <crash1@example.org>", "Date: Sat, 5 Dec 2026 10:00:00 +0000"]
        FileManager.default.createFile(atPath: bed.root.path + "/sendmail-kills", contents: Data())
        let first = try bed.deliver(to: ["alice"], headers: headers)
        #expect(MailboxReplies.successes(first) == 0, "lmtpd died before its reply: \(first)")
        #expect(Self.sent(bed).count == 1)
        let retry = try bed.deliver(to: ["alice"], headers: headers)
        #expect(MailboxReplies.successes(retry) == 1, "\(retry)")
        #expect(Self.sent(bed).count == 1, "no second vacation reply")
        #expect(bed.newFiles("alice").count == 1, "the copy stored before the crash, not a second one")
    }

    @Test("a vacation reply the MTA refused (451) is sent by the retry")
    func refusedVacationSentByRetry() throws {
        let bed = try Self.bed("sieve-retry-vacation")
        try Self.install("require \"vacation\";\nvacation :days 7 \"Back on Monday.\";\n", for: "alice", in: bed)
        let headers = ["Subject: hello", "To: alice@test.example", "Message-ID: <retry1@example.org>", "Date: Sat, 5 Dec 2026 10:00:00 +0000"]
        FileManager.default.createFile(atPath: bed.root.path + "/sendmail-fails", contents: Data())
        let first = try bed.deliver(to: ["alice"], headers: headers)
        #expect(first.contains { $0.hasPrefix("451 4.3.0") }, "\(first)")
        unlink(bed.root.path + "/sendmail-fails")
        let retry = try bed.deliver(to: ["alice"], headers: headers)
        #expect(MailboxReplies.successes(retry) == 1, "\(retry)")
        #expect(Self.sent(bed).count == 2, "the refused attempt and the retry's reply")
        #expect(bed.newFiles("alice").count == 1)
    }
}
