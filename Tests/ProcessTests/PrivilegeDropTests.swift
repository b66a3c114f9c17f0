import Foundation
import Glibc
import Testing

/// Root only to bind, then `cyrus_user`, as Cyrus: minimaster binds as root and drops before
/// START entries and children; lmtpd started as root drops itself or refuses to run.
/// The tests that need root say so and are skipped otherwise (CI runs as root).
@Suite("privileges: root only to bind, mail never delivered as root")
struct PrivilegeDropTests {
    @Test("minimaster as root: a port below 1024 is bound, children run as cyrus_user, delivered files are theirs",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"))
    func masterDropsAfterBinding() throws {
        let serviceUID = try #require(ServiceUserHandover.uid, "the cyrus user exists (cyrus-common)")
        let port = try freeTCPPort(in: 700..<1000)
        let h = try MasterHarness("priv-master")
        let marker = h.bed.root.appendingPathComponent("start-ran-as").path
        let script = h.bed.root.appendingPathComponent("whoami.sh").path
        try "#!/bin/sh\nid -u > \(marker)\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd("-a"))\" listen=\"127.0.0.1:\(port)\" prefork=1",
                        extra: "START {\n  whoami cmd=\"\(script)\"\n}\n")
        try h.start()
        defer { _ = h.stop() }

        let reply = try LMTPClient.deliver(to: .tcp(port: port), recipients: ["alice"], subject: "privileged port")
        #expect(reply.dataReplies.count == 1 && reply.dataReplies[0].hasPrefix("250 2.1.5"))
        #expect(uids(of: h.pid) == [serviceUID], "minimaster itself runs as cyrus_user after binding")
        let children = h.children()
        #expect(!children.isEmpty)
        for child in children { #expect(uids(of: child) == [serviceUID], "child \(child)") }
        let stored = try #require(h.bed.files("alice").first)
        #expect(fileOwner(h.bed.maildir("alice").appendingPathComponent("new/\(stored)").path) == serviceUID)
        let startUID = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(startUID == "\(serviceUID)", "START entries run as cyrus_user")
        #expect(h.log().contains("running as cyrus (uid \(serviceUID)"))
    }

    @Test("minimaster as root with a cyrus_user that does not exist: exit 78 naming the option, nothing started",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"))
    func masterUnknownUser() throws {
        let h = try MasterHarness("priv-nouser")
        try h.bed.appendConfig(["cyrus_user: no-such-cyrus-user"])
        try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        try h.start(waitForReady: false)
        #expect(h.waitExit() == 78)
        #expect(h.log().contains("cyrus_user: no such user \"no-such-cyrus-user\""), "\(h.log())")
        #expect(!h.log().contains("listening on"), "a missing user is found before anything is bound")
    }

    @Test("lmtpd started as root delivers as cyrus_user; the files are that user's",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"))
    func lmtpdDropsItself() throws {
        let serviceUID = try #require(ServiceUserHandover.uid)
        let bed = try MailTestbed("priv-lmtpd")
        let (output, status) = try bed.session(simpleTransaction(to: "alice"))
        #expect(status == 0)
        #expect(replyLines(output).contains { $0.hasPrefix("250 2.1.5") }, "\(output)")
        let stored = try #require(bed.files("alice").first)
        #expect(fileOwner(bed.maildir("alice").appendingPathComponent("new/\(stored)").path) == serviceUID)
    }

    @Test("lmtpd as root whose user cannot be used refuses: 421, exit 64, nothing delivered",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"),
          arguments: [("cyrus_user: no-such-cyrus-user", "cyrus_user: no such user \"no-such-cyrus-user\""),
                      ("cyrus_user: root", "cyrus_user: user \"root\" is root; services must not run as root"),
                      ("cyrus_group: no-such-cyrus-group", "cyrus_group: no such group \"no-such-cyrus-group\"")])
    func lmtpdRefuses(_ line: String, _ reason: String) throws {
        let bed = try MailTestbed("priv-refuse", extraConfig: [line])
        let (output, status) = try bed.session(simpleTransaction(to: "alice"))
        #expect(status == 64)
        #expect(output == "421 4.3.0 lmtpd: must run as the Cyrus user: \(reason)\r\n")
        #expect(bed.files("alice").isEmpty)
    }

    @Test("CYRUS_USER in the environment wins over cyrus_user",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"))
    func environmentWins() throws {
        let bed = try MailTestbed("priv-env", extraConfig: ["cyrus_user: no-such-cyrus-user"])
        try ServiceUserHandover.prepare(bed.root)
        let child = try ChildProcess(path: "/usr/bin/env", arguments: [
            "CYRUS_USER=\(ServiceUserHandover.user)", TestPaths.executable("lmtpd"), "-C", bed.configFile.path,
        ])
        child.send(simpleTransaction(to: "alice"))
        child.closeInput()
        let output = child.readAll()
        #expect(child.wait() == 0)
        #expect(replyLines(output).contains { $0.hasPrefix("250 2.1.5") }, "\(output)")
    }

    @Test("not root: nothing to drop, cyrus_user is not even looked up",
          .enabled(if: !ServiceUserHandover.dropsPrivileges, "runs as an ordinary user"))
    func ordinaryUser() throws {
        let bed = try MailTestbed("priv-plain", extraConfig: ["cyrus_user: no-such-cyrus-user"])
        let (output, status) = try bed.session(simpleTransaction(to: "alice"))
        #expect(status == 0)
        #expect(replyLines(output).contains { $0.hasPrefix("250 2.1.5") })
        #expect(fileOwner(bed.maildir("alice").appendingPathComponent("new/\(bed.files("alice").first ?? "")").path) == getuid())
    }
}

/// One LMTP session delivering a small message to `user`.
private func simpleTransaction(to user: String) -> String {
    "LHLO test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<\(user)>\r\nDATA\r\nSubject: privileges\r\n\r\nhello\r\n.\r\nQUIT\r\n"
}

/// The real, effective, saved and file-system uids of a process (from /proc), deduplicated.
private func uids(of pid: pid_t) -> Set<uid_t> {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return [] }
    return Set(line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().compactMap { uid_t($0) })
}
