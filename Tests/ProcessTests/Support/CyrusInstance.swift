import Foundation
import Glibc

/// A private Debian Cyrus master(8) running our lmtpd: a unix-socket service `lmtpunix`
/// (optional) and a loopback TCP service `lmtp` with the given lmtpd arguments (`-a`, or none
/// so that TCP clients must AUTH or present a certificate).
///
/// Started as root, Cyrus master drops to the `cyrus` user: the whole testbed (Maildirs,
/// sasldb, TLS key) is handed to that user. It runs in a session of its own (setsid execs it
/// under the same pid), because at shutdown it signals its whole process group, which must not
/// be the test runner's.
final class CyrusInstance {
    static let program = "/usr/lib/cyrus/bin/master"
    let directory: URL
    /// The unix socket of `lmtpunix`, when there is one.
    let socketPath: String?
    let tcpPort: UInt16
    private let master: ChildProcess

    init(bed: MailTestbed, lmtpd: String = TestPaths.executable("lmtpd"), unixSocket: Bool = true,
         tcpArguments: String, prefork: Int = 1) throws {
        directory = bed.root.appendingPathComponent("cyrus")
        socketPath = unixSocket ? directory.appendingPathComponent("lmtp.sock").path : nil
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
        let tcpCommand = ([lmtpd] + (tcpArguments.isEmpty ? [] : [tcpArguments]) + ["-C", bed.configFile.path]).joined(separator: " ")
        var services = "  lmtp cmd=\"\(tcpCommand)\" listen=\"127.0.0.1:\(tcpPort)\" prefork=\(prefork)\n"
        if let socketPath {
            services = "  lmtpunix cmd=\"\(lmtpd) -C \(bed.configFile.path)\" listen=\"\(socketPath)\" prefork=\(prefork)\n" + services
        }
        let cyrusConf = directory.appendingPathComponent("cyrus.conf")
        try "SERVICES {\n\(services)}\n".write(to: cyrusConf, atomically: true, encoding: .utf8)
        try chownTree(bed.root, to: "cyrus")
        chmod(bed.root.path, 0o755)
        master = try ChildProcess(path: "/usr/bin/setsid", arguments: [
            Self.program, "-C", imapd.path, "-M", cyrusConf.path, "-p", directory.appendingPathComponent("master.pid").path,
        ])
        do {
            if let socketPath { try waitForSocket(socketPath, timeout: 20) }
            try waitForTCP(tcpPort, timeout: 20)
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        master.kill(SIGTERM)
        master.wait(timeout: 20)
    }
}

/// Waits until a loopback TCP port accepts connections.
func waitForTCP(_ port: UInt16, timeout: Double) throws {
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
