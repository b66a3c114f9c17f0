import Foundation
import Glibc
import Testing

/// Debian's real Cyrus master(8) runs our lmtpd as its lmtp service: the same binary speaks the
/// master/service contract of Cyrus 3.6, and mail delivered through Cyrus's sockets lands in
/// our Maildir. Needs the cyrus-imapd package (installed by scripts/setup-deps).
@Suite("interop: Debian's Cyrus master runs our lmtpd", .serialized)
struct CyrusMasterInteropTests {
    static let cyrusMaster = "/usr/lib/cyrus/bin/master"

    @Test("deliveries over Cyrus master's unix and TCP sockets land in our Maildir")
    func deliverThroughCyrusMaster() throws {
        try #require(access(Self.cyrusMaster, X_OK) == 0, "Cyrus master missing: run scripts/setup-deps (package cyrus-imapd)")
        let bed = try MailTestbed("cyrusmaster")
        let cyrus = try CyrusInstance(bed: bed, lmtpd: TestPaths.executable("lmtpd"))
        defer { cyrus.stop() }

        // Unix socket: trusted, as in Cyrus.
        let unixReply = try LMTPClient.deliver(to: .unix(cyrus.socketPath), recipients: ["alice"], subject: "via cyrus unix")
        #expect(unixReply.greeting.hasPrefix("220 test.example CyrusDelivery LMTP"))
        #expect(unixReply.dataReplies.count == 1 && unixReply.dataReplies[0].hasPrefix("250 2.1.5 Success"))
        // TCP with -a.
        let tcpReply = try LMTPClient.deliver(to: .tcp(port: cyrus.tcpPort), recipients: ["alice", "bob"], subject: "via cyrus tcp")
        #expect(tcpReply.dataReplies.count == 2 && tcpReply.dataReplies.allSatisfy { $0.hasPrefix("250 2.1.5 Success") })

        let alice = bed.messages("alice").map { withoutTraceHeaders($0) }
        #expect(alice.contains { $0.hasPrefix("Subject: via cyrus unix\n") })
        #expect(alice.contains { $0.hasPrefix("Subject: via cyrus tcp\n") })
        #expect(bed.messages("bob").count == 1)
        // The unix client was trusted through Cyrus's socket: Received says so.
        #expect(bed.messages("alice").contains { String(decoding: $0, as: UTF8.self).contains("([unix socket])") })
        // Our child took the accept lock at Cyrus's path, under the configdirectory of the
        // imapd.conf its cmd= names (as Cyrus's own lmtpd does).
        #expect(FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("conf/socket/lmtpunix-0.lock").path))
    }
}

/// A private Debian Cyrus master on loopback and a unix socket, running our lmtpd.
final class CyrusInstance {
    let directory: URL
    let configDirectory: String
    let socketPath: String
    let tcpPort: UInt16
    private let master: ChildProcess

    init(bed: MailTestbed, lmtpd: String) throws {
        directory = bed.root.appendingPathComponent("cyrus")
        configDirectory = directory.appendingPathComponent("conf").path
        socketPath = directory.appendingPathComponent("lmtp.sock").path
        tcpPort = try freeTCPPort()
        for sub in ["conf/socket", "conf/cores", "spool"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let imapd = directory.appendingPathComponent("imapd.conf")
        try """
            configdirectory: \(configDirectory)
            partition-default: \(directory.appendingPathComponent("spool").path)
            servername: test.example

            """.write(to: imapd, atomically: true, encoding: .utf8)
        let cyrusConf = directory.appendingPathComponent("cyrus.conf")
        try """
            SERVICES {
              lmtpunix cmd="\(lmtpd) -C \(bed.configFile.path)" listen="\(socketPath)" prefork=1
              lmtp     cmd="\(lmtpd) -a -C \(bed.configFile.path)" listen="127.0.0.1:\(tcpPort)" prefork=0
            }

            """.write(to: cyrusConf, atomically: true, encoding: .utf8)
        // Cyrus master started as root drops to the cyrus user: everything it and its children
        // touch must be theirs (and every parent traversable).
        try chownTree(bed.root, to: "cyrus")
        chmod(bed.root.path, 0o755)
        // In a session of its own (setsid execs it under the same pid): at shutdown Cyrus's
        // master signals its whole process group, which must not be the test runner's.
        master = try ChildProcess(path: "/usr/bin/setsid", arguments: [
            CyrusMasterInteropTests.cyrusMaster, "-C", imapd.path, "-M", cyrusConf.path, "-p", directory.appendingPathComponent("master.pid").path,
        ])
        try waitForSocket(socketPath, timeout: 20)
    }

    func stop() {
        master.kill(SIGTERM)
        master.wait(timeout: 20)
    }
}

func chownTree(_ root: URL, to user: String) throws {
    guard let entry = getpwnam(user) else { throw POSIXError(.ENOENT) }
    let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
    chown(root.path, uid, gid)
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    while let relative = enumerator?.nextObject() as? String {
        chown(root.appendingPathComponent(relative).path, uid, gid)
    }
}
