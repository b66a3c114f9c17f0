import Foundation
import Glibc

/// What the Dovecot interop tests need of a `MailTestbed`: one owner for everything (Debian's
/// `mail` user, as Dovecot's `mail_uid`), lmtpd run as that user, LMTP transactions with given
/// message bytes, and the stored files wherever Dovecot moved them (`new/` → `cur/`).
extension MailTestbed {
    static let setpriv = "/usr/bin/setpriv"

    /// Hands the partition and the configdirectory (lmtpd's state) to the `mail` user; the rest
    /// of the testbed (Dovecot's own run folder) stays root's.
    func giveToMailUser() throws {
        try chownTree(partition, to: "mail")
        try chownTree(root.appendingPathComponent("conf"), to: "mail")
    }

    /// Makes a Maildir++ folder `.<name>` (`cur`, `new`, `tmp` and the `maildirfolder` marker)
    /// in `user`'s Maildir, owned by `mail`.
    func createFolder(_ name: String, of user: String) throws {
        let folder = maildir(user).appendingPathComponent(".\(name)")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        FileManager.default.createFile(atPath: folder.appendingPathComponent("maildirfolder").path, contents: Data())
        try giveToMailUser()
    }

    /// Runs one LMTP session with lmtpd as the `mail` user (via setpriv): one transaction per
    /// message, then QUIT. Returns lmtpd's reply lines.
    func deliverAsMailUser(_ messages: [LMTPMessage], timeout: Double = 30) throws -> [String] {
        guard let mail = getpwnam("mail") else { throw POSIXError(.ENOENT) }
        let (uid, gid) = (mail.pointee.pw_uid, mail.pointee.pw_gid)
        let child = try ChildProcess(path: Self.setpriv, arguments: [
            "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--",
            TestPaths.executable("lmtpd"), "-C", configFile.path,
        ])
        var input: [UInt8] = Array("LHLO tester\r\n".utf8)
        for message in messages { input += message.transaction }
        input += Array("QUIT\r\n".utf8)
        child.send(input)
        child.closeInput()
        let output = child.readAll(timeout: timeout)
        child.wait(timeout: timeout)
        return replyLines(output)
    }

    /// The files of a user's mailbox (`folder` nil: INBOX, else the Maildir++ folder `.<folder>`)
    /// in `new/` and `cur/`: file name → bytes.
    func storedFiles(_ user: String, folder: String? = nil) -> [String: [UInt8]] {
        var box = maildir(user)
        if let folder { box.appendPathComponent(".\(folder)") }
        var result: [String: [UInt8]] = [:]
        for sub in ["new", "cur"] {
            let dir = box.appendingPathComponent(sub)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) {
                    result[name] = [UInt8](data)
                }
            }
        }
        return result
    }
}

/// One LMTP transaction for `deliverAsMailUser`: envelope and message bytes (LF or CRLF line
/// ends; sent with CRLF and dot-stuffed).
struct LMTPMessage {
    var sender = "sender@example.org"
    var recipients: [String]
    var body: [UInt8]
    /// Adds `BODY=8BITMIME` to MAIL FROM.
    var eightBit = false

    init(to recipients: [String], _ text: String, eightBit: Bool = false) {
        self.recipients = recipients
        body = Array(text.utf8)
        self.eightBit = eightBit
    }

    var transaction: [UInt8] {
        var out = Array("MAIL FROM:<\(sender)>\(eightBit ? " BODY=8BITMIME" : "")\r\n".utf8)
        for recipient in recipients { out += Array("RCPT TO:<\(recipient)>\r\n".utf8) }
        out += Array("DATA\r\n".utf8)
        var lines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for var line in lines {
            if line.last == 0x0D { line = line.dropLast() }
            if line.first == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out += line
            out += [0x0D, 0x0A]
        }
        out += Array(".\r\n".utf8)
        return out
    }
}

/// The value of `,S=<n>` in a Maildir file name.
func maildirSizeField(_ name: String) -> Int? {
    guard let range = name.range(of: ",S=") else { return nil }
    return Int(name[range.upperBound...].prefix { $0.isNumber })
}

/// Bytes with every CRLF turned into LF (Dovecot serves LF files with CRLF line ends).
func lfLineEnds(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    for (index, byte) in bytes.enumerated() where !(byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
        out.append(byte)
    }
    return out
}
