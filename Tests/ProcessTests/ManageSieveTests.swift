import Foundation
import Glibc
import Testing

/// Issue 13's acceptance: a script uploaded through Debian's real Cyrus `timsieved` (3.6.1),
/// run by our minimaster from a SERVICES line as in Cyrus's lmtpd(8) example
/// (`sieve cmd="timsieved" listen=... prefork=0`), with Cyrus's own ManageSieve client
/// `sieveshell`, is what our lmtpd (the same minimaster's `lmtpunix`) applies to the next
/// delivery.
///
/// sieveshell ends its session with `LOGOUT` and no CRLF; timsieved 3.6.1 dies of SIGSEGV on
/// that end of input after all work is done (minimaster logs a child killed by signal 11).
/// That is Cyrus's own pair, also under Cyrus's master; it is not asserted either way.
@Suite("ManageSieve: Cyrus timsieved under minimaster, applied by lmtpd")
struct ManageSieveTests {
    static let script = """
        require ["fileinto","imap4flags"];
        if header :contains "subject" "report" { fileinto :flags "\\\\Flagged" "Reports"; }

        """

    /// One LMTP delivery to alice through the `lmtpunix` service.
    private static func deliver(_ h: MasterHarness, subject: String) -> MasterLoad.Result {
        MasterLoad.run(.unix(h.socket("lmtp")), clients: 1, steps: [
            .init(send: "LHLO sieve.test", expect: "250"),
            .init(send: "MAIL FROM:<sender@example.org>", expect: "250"),
            .init(send: "RCPT TO:<alice>", expect: "250"),
            .init(send: "DATA", expect: "354"),
            .init(send: "Subject: \(subject)\r\n\r\nhello\r\n.", expect: "250"),
            .init(send: "QUIT", expect: "221"),
        ])
    }

    /// The script's source as timsieved stored it: `<name>.script` beside `defaultbc` (Cyrus up
    /// to 3.4), or (3.6) the body of a message of alice's `#sieve` mailbox.
    private static func storedSource(_ h: MasterHarness, userDirectory: String) -> String? {
        if let text = try? String(contentsOfFile: userDirectory + "/rules.script", encoding: .utf8) { return text }
        let mailbox = h.bed.partition.appendingPathComponent("user/alice/#sieve").path
        let messages = ((try? FileManager.default.contentsOfDirectory(atPath: mailbox)) ?? []).filter { $0.first?.isNumber == true }
        return messages.compactMap { try? String(contentsOfFile: mailbox + "/" + $0, encoding: .utf8) }
            .compactMap { message in message.range(of: "\r\n\r\n").map { String(message[$0.upperBound...]) } }
            .first
    }

    @Test("sieveshell uploads and activates through timsieved; the next delivery is filed with its flag, another stays in INBOX",
          .enabled(if: TimsievedSetup.installed, "Cyrus's timsieved is not installed (scripts/setup-deps installs cyrus-imapd)"))
    func uploadThenDeliver() throws {
        try #require(access(TimsievedSetup.sieveshell, X_OK) == 0, "sieveshell is missing: scripts/setup-deps installs cyrus-admin")
        let port = masterFreePort()
        let h = try MasterHarness("managesieve")
        try TimsievedSetup.prepare(h, users: ["alice"])
        try h.bed.makeFolder("alice", ".Reports")
        try h.writeConf(services: TimsievedSetup.serviceLine(h, port: port) + "\n"
            + "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=0")
        let scriptFile = h.bed.root.appendingPathComponent("rules.siv").path
        try Self.script.write(toFile: scriptFile, atomically: true, encoding: .utf8)
        try h.start()
        defer { h.stop() }

        let upload = try TimsievedSetup.sieveshell(port: port, user: "alice", password: "secret",
                                                   commands: ["put \(scriptFile) rules", "activate rules", "list"])
        #expect(upload.status == 0, "\(upload.output)\n\(h.log())")
        #expect(upload.output.contains("rules  <- active script"), "\(upload.output)")

        // What timsieved left: the active link to the bytecode, the bytecode, the source.
        let userDirectory = TimsievedSetup.sievedir(h) + "/a/alice"
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: userDirectory + "/defaultbc")) == "rules.bc",
                "\((try? FileManager.default.contentsOfDirectory(atPath: userDirectory)) ?? [])\n\(h.log())")
        #expect(FileManager.default.fileExists(atPath: userDirectory + "/rules.bc"))
        #expect(Self.storedSource(h, userDirectory: userDirectory) == Self.script, "no rules.script and no #sieve message with the script")

        let report = Self.deliver(h, subject: "weekly report")
        let other = Self.deliver(h, subject: "lunch")
        #expect(report.served == 1 && other.served == 1, "\(report.failures) \(other.failures)\n\(h.log())")
        let filed = h.bed.files("alice", in: ".Reports/cur")
        #expect(filed.count == 1 && filed.first?.hasSuffix(":2,F") == true, "\(filed)\n\(h.log())")
        #expect(h.bed.files("alice", in: ".Reports/new").isEmpty)
        let inbox = h.bed.newMessages("alice")
        #expect(inbox.count == 1 && inbox.first?.contains("Subject: lunch") == true, "\(inbox)")
        #expect(h.logLines(containing: "service sieve/ipv4 pid").count >= 1)
        #expect(h.stop() == 0, "\(h.log())")
    }

    @Test("a script that includes another uploaded one (:personal) files by both; re-uploading the included one changes the next delivery",
          .enabled(if: TimsievedSetup.installed, "Cyrus's timsieved is not installed (scripts/setup-deps installs cyrus-imapd)"))
    func personalIncludeOfUploadedScript() throws {
        try #require(access(TimsievedSetup.sieveshell, X_OK) == 0, "sieveshell is missing: scripts/setup-deps installs cyrus-admin")
        let port = masterFreePort()
        let h = try MasterHarness("managesieve-include")
        try TimsievedSetup.prepare(h, users: ["alice"])
        for folder in [".Reports", ".Lunch", ".Food"] { try h.bed.makeFolder("alice", folder) }
        try h.writeConf(services: TimsievedSetup.serviceLine(h, port: port) + "\n"
            + "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=0")
        let files = h.bed.root
        let common = files.appendingPathComponent("common.siv").path, main = files.appendingPathComponent("main.siv").path
        let changed = files.appendingPathComponent("common2.siv").path
        try "require \"fileinto\";\nif header :contains \"subject\" \"lunch\" { fileinto \"Lunch\"; }\n"
            .write(toFile: common, atomically: true, encoding: .utf8)
        try "require \"fileinto\";\nif header :contains \"subject\" \"lunch\" { fileinto \"Food\"; }\n"
            .write(toFile: changed, atomically: true, encoding: .utf8)
        try "require [\"fileinto\", \"include\"];\nif header :contains \"subject\" \"report\" { fileinto \"Reports\"; stop; }\ninclude :personal \"common\";\n"
            .write(toFile: main, atomically: true, encoding: .utf8)
        try h.start()
        defer { h.stop() }

        let upload = try TimsievedSetup.sieveshell(port: port, user: "alice", password: "secret",
                                                   commands: ["put \(common) common", "put \(main) main", "activate main"])
        #expect(upload.status == 0, "\(upload.output)\n\(h.log())")
        let served = [Self.deliver(h, subject: "weekly report"), Self.deliver(h, subject: "lunch today")].map(\.served)
        #expect(served == [1, 1], "\(h.log())")
        #expect(h.bed.files("alice", in: ".Reports/new").count == 1, "\(h.log())")
        #expect(h.bed.files("alice", in: ".Lunch/new").count == 1, "the included script did not run\n\(h.log())")

        let again = try TimsievedSetup.sieveshell(port: port, user: "alice", password: "secret", commands: ["put \(changed) common"])
        #expect(again.status == 0, "\(again.output)")
        #expect(Self.deliver(h, subject: "lunch tomorrow").served == 1)
        #expect(h.bed.files("alice", in: ".Food/new").count == 1, "the re-uploaded include was not used\n\(h.log())")
        #expect(h.bed.files("alice", in: ".Lunch/new").count == 1)
        #expect(h.bed.newMessages("alice").isEmpty)
    }
}
