import Foundation
import Glibc
import Testing

/// Debian's own Cyrus lmtpd (3.6.1) as minimaster's service: the contract is byte-compatible
/// on the master side (fds 3/4, environment, 8-byte status messages, READY/BUSY accounting).
/// Needs the cyrus-imapd package; skipped without it.
private let cyrusLMTPDPath = "/usr/lib/cyrus/bin/lmtpd"

@Suite("minimaster: a real Cyrus service binary")
struct MinimasterCyrusServiceTests {
    static let cyrusLMTPD = cyrusLMTPDPath

    @Test("Cyrus's lmtpd serves through minimaster, is reused, recycled with -U and stopped with exit 75",
          .enabled(if: access(cyrusLMTPDPath, X_OK) == 0 && getpwnam("cyrus") != nil && getuid() == 0))
    func cyrusLMTPD() throws {
        let h = try MasterHarness("cyrus")
        try h.writeConf(services: """
              lmtpunix cmd="\(Self.cyrusLMTPD) -C \(h.imapdConf)" listen="\(h.socket("lmtp"))" prefork=1 maxchild=2
              lmtpuse1 cmd="\(Self.cyrusLMTPD) -C \(h.imapdConf) -U 1" listen="\(h.socket("lmtp1"))" prefork=0 maxchild=1
            """)
        // Cyrus's programs run as the cyrus user (they switch to it when started as root).
        try FileManager.default.createDirectory(at: h.bed.root.appendingPathComponent("conf/socket"), withIntermediateDirectories: true)
        changeOwner(h.bed.root.path, to: "cyrus")
        try h.start()

        func lhlo(_ path: String) -> String? {
            guard case .success(let c) = MasterClient.connect(.unix(path)), let greeting = c.readReply(),
                  greeting.contains("Cyrus LMTP") else { return nil }
            c.send("LHLO minimaster\r\n")
            guard let capabilities = c.readReply(), capabilities.hasPrefix("250") else { return nil }
            c.send("QUIT\r\n")
            _ = c.readReply()
            // SESSIONID=<host-time-pid-n-random>: the pid of the child that served it.
            let parts = capabilities.split(separator: "-")
            return parts.count >= 5 ? String(parts[parts.count - 3]) : nil
        }
        let first = lhlo(h.socket("lmtp")), second = lhlo(h.socket("lmtp"))
        #expect(first != nil && second != nil, "\(h.log())")
        // Two sessions in a row: AVAILABLE was understood, so at most the prefork refill was
        // added (one busy → one more forked, unless UNAVAILABLE and AVAILABLE were read in
        // the same pass), never a child per session.
        usleep(300_000)
        let alive = h.children().filter { readCommand($0).contains("-U 1") == false }.count
        #expect((1...2).contains(alive), "\(alive) children")
        // -U 1: each session ends the child with exit 0, the next connection forks a new one.
        let a = lhlo(h.socket("lmtp1")), b = lhlo(h.socket("lmtp1"))
        #expect(a != nil && b != nil && a != b)
        #expect(h.waitForLog("service lmtpuse1/unix pid", count: 3))
        #expect(h.logLines(containing: "lmtpuse1/unix").contains { $0.contains("BUSY state exited normally") })
        #expect(h.stop() == 0)
        #expect(h.logLines(containing: "service lmtpunix/unix").filter { $0.contains("was killed") }.count == alive, "\(h.log())")
        #expect(h.logLines(containing: "terminated abnormally").isEmpty)
    }
}

/// chown -R `path` to `user` (and the user's group).
func changeOwner(_ path: String, to user: String) {
    guard let entry = getpwnam(user) else { return }
    let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
    chown(path, uid, gid)
    guard let walker = FileManager.default.enumerator(atPath: path) else { return }
    while let relative = walker.nextObject() as? String { lchown(path + "/" + relative, uid, gid) }
}
