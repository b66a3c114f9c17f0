import Foundation
import Glibc

/// A private Dovecot IMAP server on 127.0.0.1 serving a `MailTestbed`'s partition: Debian's
/// dovecot-core (`/usr/sbin/dovecot`) with the imap programs and plugins of dovecot-imapd
/// unpacked by `scripts/setup-dovecot-imapd`. Runs in the foreground (`-F`) as our child, so it
/// is stopped by its PID, never by name. The testbed's partition is handed to Debian's `mail`
/// user, which Dovecot uses for every mailbox; lmtpd then runs as that user too
/// (`deliverAsMailUser`), as it would beside Dovecot in production.
final class DovecotInstance {
    static let dovecot = "/usr/sbin/dovecot"
    /// Where `scripts/setup-dovecot-imapd` unpacks dovecot-imapd (`DOVECOT_IMAPD_ROOT` overrides).
    static var imapdRoot: String {
        ProcessInfo.processInfo.environment["DOVECOT_IMAPD_ROOT"] ?? "/var/cache/cyrusdelivery/dovecot-imapd"
    }
    static var imapPrograms: String { imapdRoot + DovecotConfig.corePrograms }
    /// The test users and their passwords.
    static let users = ["alice": "alice-secret", "bob": "bob-secret"]

    struct NotInstalled: Error, CustomStringConvertible {
        var missing: String
        var description: String { "Dovecot is not installed (\(missing) missing): run scripts/setup-deps" }
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Throws `NotInstalled` unless dovecot-core and the unpacked dovecot-imapd are there.
    static func checkInstalled() throws {
        for path in [dovecot, "\(DovecotConfig.corePrograms)/modules/lib10_quota_plugin.so",
                     "\(imapPrograms)/imap", "\(imapPrograms)/imap-login",
                     "\(imapPrograms)/modules/lib11_imap_quota_plugin.so"]
        where access(path, R_OK) != 0 {
            throw NotInstalled(missing: path)
        }
        guard getpwnam("mail") != nil else { throw NotInstalled(missing: "the system user mail") }
    }

    let config: DovecotConfig
    var port: UInt16 { config.port }
    private let master: DovecotProcess

    /// Writes the configuration, gives the testbed to the `mail` user, starts Dovecot and waits
    /// (at most `timeout` seconds) until it greets on its port.
    init(serving bed: MailTestbed, timeout: Double = 20) throws {
        try Self.checkInstalled()
        guard let mail = getpwnam("mail") else { throw NotInstalled(missing: "the system user mail") }
        config = DovecotConfig(
            directory: bed.root.appendingPathComponent("dovecot"),
            partition: bed.partition,
            port: try freeTCPPort(),
            imapPrograms: Self.imapPrograms,
            mailUID: mail.pointee.pw_uid,
            mailGID: mail.pointee.pw_gid
        )
        let files = FileManager.default
        try files.createDirectory(at: config.pluginDirectory, withIntermediateDirectories: true)
        for folder in ["\(DovecotConfig.corePrograms)/modules", "\(Self.imapPrograms)/modules"] {
            for name in try files.contentsOfDirectory(atPath: folder) where name.hasSuffix(".so") {
                try files.createSymbolicLink(atPath: config.pluginDirectory.appendingPathComponent(name).path,
                                             withDestinationPath: "\(folder)/\(name)")
            }
        }
        try DovecotConfig.passwd(Self.users).write(to: config.passwdFile, atomically: true, encoding: .utf8)
        try config.text.write(to: config.configFile, atomically: true, encoding: .utf8)
        // Dovecot reads and writes the Maildirs as `mail`; so does lmtpd (`deliverAsMailUser`).
        try bed.giveToMailUser()

        master = try DovecotProcess(path: Self.dovecot, arguments: ["-F", "-c", config.configFile.path],
                                    output: config.directory.appendingPathComponent("dovecot.out"))
        do {
            try waitUntilReady(timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Stops Dovecot by its PID (SIGTERM, then SIGKILL after 10 s) and reaps it. Idempotent.
    func stop() {
        master.stop()
    }

    /// Dovecot's log so far.
    var log: String { DovecotLog.text(of: config.logFile) }

    /// Log lines that report errors (`Error:`, `Panic:`, `Fatal:`), such as "Cached message size
    /// larger than expected" for a wrong `S=`. Warnings are left out: Dovecot also warns about
    /// things outside the test, like the clock of a virtual machine jumping.
    var problems: [String] { DovecotLog.problems(in: log) }

    /// A new IMAP connection, logged in as `user`.
    func login(_ user: String) throws -> IMAPClient {
        let client = try IMAPClient(port: port)
        try client.login(user, Self.users[user] ?? "")
        return client
    }

    /// Polls the port until the IMAP greeting arrives; fails early if Dovecot exits.
    private func waitUntilReady(timeout: Double) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if master.hasExited {
                let outputFile = config.directory.appendingPathComponent("dovecot.out")
                let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
                throw StartFailure(description: "dovecot exited at start: \(output) \(log)")
            }
            if let client = try? IMAPClient(port: port, timeout: 2), client.greeting.hasPrefix("* OK") {
                client.logout()
                return
            }
            usleep(50_000)
        }
        throw StartFailure(description: "dovecot did not answer on 127.0.0.1:\(port) within \(timeout) s: \(log)")
    }
}
