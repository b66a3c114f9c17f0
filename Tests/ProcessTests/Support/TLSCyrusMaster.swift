import Foundation
import Glibc

/// Debian's real Cyrus master(8) running our lmtpd as a TCP service **without** `-a` (the
/// configuration STARTTLS is for). Cyrus master drops to the `cyrus` user: the testbed, its TLS
/// key included, is handed to that user. It runs in its own session, so that its shutdown
/// (SIGTERM to its process group) reaches no other test's processes.
final class TLSCyrusMaster {
    static let program = "/usr/lib/cyrus/bin/master"
    let tcpPort: UInt16
    private let master: ChildProcess

    init(bed: MailTestbed, lmtpd: String) throws {
        let directory = bed.root.appendingPathComponent("cyrus")
        for sub in ["conf/socket", "conf/cores", "spool"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        tcpPort = nonEphemeralFreeTCPPort()
        let imapd = directory.appendingPathComponent("imapd.conf")
        try """
            configdirectory: \(directory.appendingPathComponent("conf").path)
            partition-default: \(directory.appendingPathComponent("spool").path)
            servername: test.example

            """.write(to: imapd, atomically: true, encoding: .utf8)
        let cyrusConf = directory.appendingPathComponent("cyrus.conf")
        try """
            SERVICES {
              lmtp cmd="\(lmtpd) -C \(bed.configFile.path)" listen="127.0.0.1:\(tcpPort)" prefork=1
            }

            """.write(to: cyrusConf, atomically: true, encoding: .utf8)
        try chownTree(bed.root, to: "cyrus")
        chmod(bed.root.path, 0o755)
        // In a session of its own (setsid execs it under the same pid): at shutdown Cyrus's
        // master signals its whole process group, which must not be the test runner's.
        master = try ChildProcess(path: "/usr/bin/setsid", arguments: [
            Self.program, "-C", imapd.path, "-M", cyrusConf.path, "-p", directory.appendingPathComponent("master.pid").path,
        ])
        let port = tcpPort
        guard waitUntil(timeout: 20, { (try? TLSClientConnection(port: port, timeout: 1)) != nil }) else {
            stop()
            throw HarnessError("Cyrus master did not listen on 127.0.0.1:\(port)")
        }
    }

    func stop() {
        master.kill(SIGTERM)
        master.wait(timeout: 20)
    }
}
