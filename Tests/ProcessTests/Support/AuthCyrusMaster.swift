import Foundation
import Glibc

/// A private Debian Cyrus master running our lmtpd on a unix socket and on a loopback TCP
/// service **without** `-a` (so TCP clients must AUTH). As in `CyrusInstance`, the master
/// drops to the `cyrus` user: the testbed, its sasldb included, is handed to that user.
final class AuthCyrusMaster {
    let socketPath: String
    let tcpPort: UInt16
    private let master: ChildProcess

    init(bed: MailTestbed, lmtpd: String = TestPaths.executable("lmtpd")) throws {
        let directory = bed.root.appendingPathComponent("cyrus")
        socketPath = directory.appendingPathComponent("lmtp.sock").path
        tcpPort = try freeTCPPort()
        for sub in ["conf/socket", "conf/cores", "spool"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let imapd = directory.appendingPathComponent("imapd.conf")
        try """
            configdirectory: \(directory.appendingPathComponent("conf").path)
            partition-default: \(directory.appendingPathComponent("spool").path)
            servername: test.example

            """.write(to: imapd, atomically: true, encoding: .utf8)
        let cyrusConf = directory.appendingPathComponent("cyrus.conf")
        try """
            SERVICES {
              lmtpunix cmd="\(lmtpd) -C \(bed.configFile.path)" listen="\(socketPath)" prefork=1
              lmtp     cmd="\(lmtpd) -C \(bed.configFile.path)" listen="127.0.0.1:\(tcpPort)" prefork=1
            }

            """.write(to: cyrusConf, atomically: true, encoding: .utf8)
        try chownTree(bed.root, to: "cyrus")
        chmod(bed.root.path, 0o755)
        // In a session of its own (setsid execs it under the same pid): at shutdown Cyrus's
        // master signals its whole process group, which must not be the test runner's.
        master = try ChildProcess(path: "/usr/bin/setsid", arguments: [
            CyrusMasterInteropTests.cyrusMaster, "-C", imapd.path, "-M", cyrusConf.path, "-p", directory.appendingPathComponent("master.pid").path,
        ])
        try waitForSocket(socketPath, timeout: 20)
        try waitForTCP(tcpPort, timeout: 20)
    }

    func stop() {
        master.kill(SIGTERM)
        master.wait(timeout: 20)
    }

    /// Waits until the TCP service accepts connections.
    private func waitForTCP(_ port: UInt16, timeout: Double) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let connection = try? SocketConnection(.tcp(port: port)) {
                connection.close()
                return
            }
            usleep(50_000)
        }
        throw POSIXError(.ETIMEDOUT)
    }
}
