import Foundation
import Glibc
import Testing

/// Helpers of the mailbox-behaviour tests (folders, quota, autocreate, duplicates): build
/// Maildir++ state the way an admin or Dovecot would, and read back what lmtpd stored.
extension MailTestbed {
    /// The directory of a folder given by its on-disk name (`.Lists.swift`), or the INBOX (nil).
    func folderDirectory(_ user: String, _ folder: String?) -> URL {
        guard let folder else { return maildir(user) }
        return maildir(user).appendingPathComponent(folder)
    }

    /// Creates a Maildir++ folder as Dovecot does: `cur`, `new`, `tmp`, `maildirfolder`.
    func makeFolder(_ user: String, _ folder: String, acl: String? = nil) throws {
        let dir = folderDirectory(user, folder)
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data().write(to: dir.appendingPathComponent("maildirfolder"))
        if let acl { try acl.write(to: dir.appendingPathComponent("dovecot-acl"), atomically: true, encoding: .utf8) }
    }

    /// Names of the messages in a folder's (or the INBOX's) `new/`.
    func newFiles(_ user: String, _ folder: String? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folderDirectory(user, folder).appendingPathComponent("new").path)) ?? []).sorted()
    }

    /// The messages in a folder's (or the INBOX's) `new/` as text.
    func newMessages(_ user: String, _ folder: String? = nil) -> [String] {
        newFiles(user, folder).compactMap { name in
            let path = folderDirectory(user, folder).appendingPathComponent("new/" + name).path
            return FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Writes a user's `maildirsize`, dated `age` seconds back.
    func writeMaildirsize(_ user: String, _ text: String, age: Int = 0) throws {
        let path = maildir(user).appendingPathComponent("maildirsize").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        if age > 0 {
            let then = time(nil) - age
            var times = [timespec(tv_sec: then, tv_nsec: 0), timespec(tv_sec: then, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
    }

    /// A user's `maildirsize`, nil when there is none.
    func maildirsize(_ user: String) -> String? {
        FileManager.default.contents(atPath: maildir(user).appendingPathComponent("maildirsize").path)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every path below the testbed root (to prove nothing appeared where it must not).
    func tree() -> Set<String> {
        var paths = Set<String>()
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return paths }
        while let next = walker.nextObject() as? String { paths.insert(next) }
        return paths
    }

    /// Runs one session delivering one message (`headers` + a body line) to `recipients`;
    /// returns the reply lines after the greeting and LHLO.
    func deliver(to recipients: [String], headers: [String] = ["Subject: test"], body: String = "hello",
                 mailParameters: String = "") throws -> [String] {
        var input = "LHLO client.example\r\nMAIL FROM:<sender@example.org>\(mailParameters)\r\n"
        for recipient in recipients { input += "RCPT TO:<\(recipient)>\r\n" }
        input += "DATA\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n\(body)\r\n.\r\nQUIT\r\n"
        let (output, _) = try session(input)
        return MailboxReplies.afterLHLO(replyLines(output))
    }
}

enum MailboxReplies {
    /// The reply lines after the greeting and the LHLO reply.
    static func afterLHLO(_ lines: [String]) -> [String] {
        guard let end = lines.firstIndex(where: { $0.hasPrefix("250 Ok SESSIONID") }) else { return lines }
        return Array(lines[(end + 1)...])
    }

    /// Whether `lines` hold exactly `count` delivery successes.
    static func successes(_ lines: [String]) -> Int {
        lines.filter { $0.hasPrefix("250 2.1.5 Success") }.count
    }
}
