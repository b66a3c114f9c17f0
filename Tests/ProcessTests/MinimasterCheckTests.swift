import Foundation
import Glibc
import Testing

/// `minimaster --check` reports what lmtpd itself would refuse (at start-up or at the first
/// delivery), with lmtpd's own `file:line: reason`, before anything is restarted.
@Suite("minimaster --check: what the services' programs would refuse")
struct MinimasterCheckTests {
    /// A testbed whose cyrus.conf runs our lmtpd for two services (one imapd.conf).
    private static func harness(_ label: String) throws -> MasterHarness {
        let h = try MasterHarness(label)
        try h.writeConf(services: """
              lmtpunix cmd="\(h.lmtpd())" listen="\(h.socket("lmtp"))"
              lmtp cmd="\(h.lmtpd("-a"))" listen="127.0.0.1:2424"
            """)
        try ServiceUserHandover.prepare(h.bed.root)
        return h
    }

    private static func check(_ h: MasterHarness) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(path: TestPaths.executable("minimaster"), arguments: ["--check", "-M", h.cyrusConf, "-C", h.imapdConf])
        let stderr = child.readError(timeout: 20)
        let stdout = child.readAll(timeout: 5)
        return (child.wait(), stdout, stderr)
    }

    /// The line of imapd.conf that sets `option`.
    private static func line(of option: String, in h: MasterHarness) throws -> Int {
        let lines = try String(contentsOf: h.bed.configFile, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.hasPrefix(option + ":") }) + 1
    }

    @Test("a usable configuration passes, and lmtpd was asked")
    func usable() throws {
        let h = try Self.harness("check-ok")
        let result = try Self.check(h)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("configuration OK"))
    }

    @Test("each lmtpd-level error is found with imapd.conf:line and the reason, once for both services",
          arguments: [
              (["maildir_path: mail/%d"], "maildir_path", "maildir_path \"mail/%d\": contains neither %u nor %n"),
              (["autocreate_post: 1", "autocreate_quota: 0", "autocreate_inbox_folders: Sent | Bad.Name"], "autocreate_inbox_folders",
               "autocreate_inbox_folders: folder \"Bad.Name\" cannot be stored"),
              (["duplicate_db_path: /nonexistent-dir-for-check/deliver.db"], "duplicate_db_path",
               "duplicate_db_path: /nonexistent-dir-for-check: does not exist"),
              (["tls_server_cert: /nonexistent-cert.pem", "tls_server_key: /nonexistent-key.pem"], "tls_server_cert",
               "STARTTLS would not be offered: "),
              (["umask: 9x9"], "umask", "umask: \"9x9\" is not an octal file mode"),
          ] as [([String], String, String)])
    func lmtpdErrors(_ lines: [String], _ option: String, _ reason: String) throws {
        let h = try Self.harness("check-bad")
        try h.bed.appendConfig(lines)
        let result = try Self.check(h)
        #expect(result.status == 78)
        let expected = "\(h.imapdConf):\(try Self.line(of: option, in: h)): \(reason)"
        let matching = result.stderr.split(separator: "\n").filter { $0.hasPrefix(expected) }
        #expect(matching.count == 1, "expected one line starting \(expected) in:\n\(result.stderr)")
        #expect(matching.first?.hasSuffix("(lmtpd of services lmtpunix, lmtp)") == true, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a partition that does not exist is found")
    func missingPartition() throws {
        let h = try Self.harness("check-part")
        let partition = h.bed.root.appendingPathComponent("no-such-partition").path
        try h.bed.appendConfig(["partition-default: \(partition)"])
        let result = try Self.check(h)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(h.imapdConf):\(try Self.line(of: "partition-default", in: h)): partition-default: \(partition): does not exist"),
                "\(result.stderr)")
    }

    @Test("a cyrus_user that does not exist is a --check error naming the option")
    func unknownUser() throws {
        let h = try Self.harness("check-user")
        try h.bed.appendConfig(["cyrus_user: no-such-cyrus-user"])
        let result = try Self.check(h)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(h.imapdConf):\(try Self.line(of: "cyrus_user", in: h)): cyrus_user: no such user \"no-such-cyrus-user\""),
                "\(result.stderr)")
    }

    @Test("as root, a partition lmtpd's user cannot write is found",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root"))
    func partitionNotWritableByServiceUser() throws {
        let h = try Self.harness("check-perm")
        chown(h.bed.partition.path, 0, 0)
        chmod(h.bed.partition.path, 0o755)
        let result = try Self.check(h)
        #expect(result.status == 78)
        #expect(result.stderr.contains("is not writable by uid \(ServiceUserHandover.uid ?? 0)"), "\(result.stderr)")
    }

    @Test("Cyrus's own lmtpd is not asked to check; a warning says so",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/lib/cyrus/bin/lmtpd"), "needs Debian's cyrus-imapd"))
    func cyrusLmtpdNotChecked() throws {
        let h = try MasterHarness("check-cyrus")
        try h.writeConf(services: "  cyrus cmd=\"/usr/lib/cyrus/bin/lmtpd\" listen=\"\(h.socket("cyrus"))\"")
        let result = try Self.check(h)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("service cyrus: /usr/lib/cyrus/bin/lmtpd does not answer --check-config"), "\(result.stderr)")
    }
}
