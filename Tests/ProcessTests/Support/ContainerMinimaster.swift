import CShims
import Foundation
import Glibc

/// minimaster installed in a freshly booted ``SystemdContainer`` the way README's "Installing
/// the units" says, with nothing of ours changed: the three units of systemd/ byte for byte in
/// /etc/systemd/system, etc/cyrus.conf.sample and etc/imapd.conf.sample as /etc/cyrus.conf and
/// /etc/imapd.conf, this build's minimaster and lmtpd at the paths the unit and cyrus.conf name
/// (read-only binds), their libraries, the cyrus user (group mail) with /var/lib/cyrus and
/// /var/spool/cyrus/mail, and Maildirs for alice and bob. Nothing is started.
final class ContainerMinimaster {
    static let service = "minimaster.service"
    static let users = ["alice", "bob"]

    let container: SystemdContainer
    /// cyrus.conf.sample's lmtpunix `listen=` (the unix socket) and lmtp's port (127.0.0.1).
    let unixSocket: String
    let tcpPort: Int

    init(_ label: String) throws {
        let services = SystemdUnitTests.sampleServices()
        guard let unix = services["lmtpunix"], let tcp = services["lmtp"], let port = Int(tcp.split(separator: ":").last ?? "") else {
            throw HarnessError("etc/cyrus.conf.sample has no lmtpunix and lmtp services")
        }
        unixSocket = unix
        tcpPort = port
        let programs = try Self.installedPrograms()
        let libraries = try SystemdContainerLibraries(of: programs.map(\.host), root: SystemdContainer.root)
        container = try SystemdContainer(label, readOnlyBinds: programs + libraries.directories.map { ($0, $0) })
        try install(libraries)
    }

    /// This build's minimaster and lmtpd, and where the shipped unit (`ExecStart=`) and
    /// cyrus.conf.sample (`cmd=`) expect them.
    static func installedPrograms() throws -> [(host: String, container: String)] {
        let execStart = SystemdUnitTests.value("ExecStart", in: try SystemdUnitTests.settings(service)) ?? ""
        let sample = try String(contentsOf: SystemdUnitTests.repository.appendingPathComponent("etc/cyrus.conf.sample"), encoding: .utf8)
        let lmtpdPaths = Set(sample.split(separator: "\n").compactMap { line -> String? in
            guard !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"), let cmd = line.range(of: "cmd=\"") else { return nil }
            return line[cmd.upperBound...].split(separator: " ").first.map(String.init)
        })
        guard let minimaster = execStart.split(separator: " ").first, lmtpdPaths.count == 1, let lmtpd = lmtpdPaths.first else {
            throw HarnessError("cannot tell where the unit and cyrus.conf.sample expect minimaster and lmtpd")
        }
        return [(TestPaths.executable("minimaster"), String(minimaster)), (TestPaths.executable("lmtpd"), lmtpd)]
    }

    private func install(_ libraries: SystemdContainerLibraries) throws {
        for library in libraries.copies { try container.copy(library, to: library) }
        // README "User": what cyrus-common would have made (minbase has useradd, not adduser).
        let maildirs = Self.users.flatMap { user in ["", "/cur", "/new", "/tmp"].map { "/var/spool/cyrus/mail/\(user)\($0)" } }
        let setup = container.run(["/bin/sh", "-ec", """
            useradd --system --gid mail --home-dir /var/lib/cyrus --no-create-home --shell /usr/sbin/nologin cyrus
            install -d -o cyrus -g mail -m 750 /var/lib/cyrus /var/spool/cyrus /var/spool/cyrus/mail \(maildirs.joined(separator: " "))
            """])
        guard setup.status == 0 else { throw HarnessError("setting up user cyrus failed: \(setup.output)") }
        let etc = SystemdUnitTests.repository.appendingPathComponent("etc")
        try container.copy(etc.appendingPathComponent("cyrus.conf.sample").path, to: "/etc/cyrus.conf")
        try container.copy(etc.appendingPathComponent("imapd.conf.sample").path, to: "/etc/imapd.conf")
        for unit in SystemdUnitTests.units {
            try container.copy(SystemdUnitTests.repository.appendingPathComponent("systemd/" + unit).path, to: "/etc/systemd/system/" + unit)
        }
        let reload = container.systemctl("daemon-reload")
        guard reload.status == 0 else { throw HarnessError("daemon-reload failed: \(reload.output)") }
    }

    // MARK: What a user sees

    /// `systemctl is-active minimaster`: active, activating, deactivating, reloading, inactive...
    func activeState() -> String {
        container.systemctl("is-active", Self.service).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// minimaster's main process as the host knows it (nil: none).
    func mainPID() -> pid_t? {
        guard let pid = pid_t(container.property("MainPID", of: Self.service)), pid > 0 else { return nil }
        return container.hostPID(pid)
    }

    /// The `STATUS=` line systemd holds (`systemctl status` shows it as `Status: "..."`).
    func statusText() -> String { container.property("StatusText", of: Self.service) }

    /// `journalctl -u minimaster`.
    func journal() -> String { container.run(["journalctl", "-u", Self.service, "--no-pager", "-o", "cat"]).output }

    /// minimaster's lmtpd children that run (past exec, with their SIGTERM handler set).
    func startedChildren(of master: pid_t) -> [pid_t] {
        processChildren(of: master).filter { child in
            let name = (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("lmtpd") && cshim_signal_caught_by(child, SIGTERM) == 1
        }
    }

    // MARK: Delivery

    /// The unix socket as the host reaches it.
    var unixTarget: MasterTarget { .unix(container.path(unixSocket)) }

    /// One whole delivery over the unix socket.
    func deliverOverUnix(_ subject: String, to user: String = "alice") -> SystemdDelivery.Outcome {
        SystemdDelivery.attempt(unixTarget, subject: subject, to: user)
    }

    /// One whole delivery to 127.0.0.1:<lmtp port> in the container's network.
    func deliverOverTCP(_ subject: String, to user: String = "alice") throws -> SystemdDelivery.Outcome {
        let port = tcpPort
        return try container.inNetwork { SystemdDelivery.attempt(.inet("127.0.0.1", port), subject: subject, to: user) }
    }

    /// The messages in a user's Maildir `new/`, read back through the container's root.
    func storedMessages(_ user: String = "alice") -> [String] {
        let new = container.path("/var/spool/cyrus/mail/\(user)/new")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new)) ?? []).sorted()
        return names.compactMap { try? String(contentsOfFile: new + "/" + $0, encoding: .utf8) }
    }

    /// The `Subject:` of each stored message.
    func storedSubjects(_ user: String = "alice") -> [String] {
        storedMessages(user).compactMap { message in
            message.split(separator: "\n").first { $0.hasPrefix("Subject: ") }.map { String($0.dropFirst(9)) }
        }
    }
}
