import Foundation
import Glibc
import Testing

/// The unit files shipped in `systemd/`: valid for systemd, and in agreement with the sample
/// configuration and with minimaster's options.
@Suite("systemd: unit files")
struct SystemdUnitTests {
    /// The checkout: this file is `Tests/ProcessTests/SystemdUnitTests.swift`.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let units = ["minimaster.service", "minimaster-lmtpunix.socket", "minimaster-lmtp.socket"]
    static let installedBinary = "/usr/local/sbin/minimaster"

    static func text(_ unit: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent("systemd").appendingPathComponent(unit), encoding: .utf8)
    }

    /// `Key=value` settings of a unit (comments skipped; repeated keys in order).
    static func settings(_ unit: String) throws -> [(key: String, value: String)] {
        try text(unit).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("["), let equals = trimmed.firstIndex(of: "=") else { return nil }
            return (String(trimmed[..<equals]), String(trimmed[trimmed.index(after: equals)...]))
        }
    }

    static func value(_ key: String, in settings: [(key: String, value: String)]) -> String? {
        settings.last { $0.key == key }?.value
    }

    @Test("systemd-analyze verify passes on every unit, with only ExecStart's binary pointing at the build")
    func verify() throws {
        let dir = try TestPaths.scratchDirectory("sdunits")
        defer { TestPaths.cleanUp(dir) }
        for unit in Self.units {
            var text = try Self.text(unit)
            if unit == "minimaster.service" {
                let execStart = "ExecStart=" + Self.installedBinary + " "
                #expect(text.components(separatedBy: execStart).count == 2, "one ExecStart= running \(Self.installedBinary)")
                text = text.replacingOccurrences(of: execStart, with: "ExecStart=" + TestPaths.executable("minimaster") + " ")
            }
            try text.write(to: dir.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let paths = Self.units.map { dir.appendingPathComponent($0).path }
        let verify = try ChildProcess(path: "/usr/bin/systemd-analyze", arguments: ["verify"] + paths)
        let output = verify.readAll() + verify.readError()
        #expect(verify.wait() == 0, "\(output)")
        #expect(output.isEmpty, "systemd-analyze verify complained:\n\(output)")
    }

    @Test("minimaster.service: notify, reload by SIGHUP, watchdog, restart, a stop timeout that fits the drain, user cyrus, hardening")
    func service() throws {
        let s = try Self.settings("minimaster.service")
        #expect(Self.value("Type", in: s) == "notify")
        let execStart = (Self.value("ExecStart", in: s) ?? "").split(separator: " ").map(String.init)
        #expect(execStart.first == Self.installedBinary)
        #expect(!execStart.contains("-d"), "systemd runs it in the foreground")
        #expect(execStart.contains("-M") && execStart.contains("-C"))
        #expect(Self.value("ExecReload", in: s)?.hasSuffix("kill -HUP $MAINPID") == true)
        #expect(Self.value("WatchdogSec", in: s) != nil)
        #expect(Self.value("Restart", in: s) == "on-failure")
        #expect(Self.value("KillMode", in: s) == "mixed")
        let drain = execStart.firstIndex(of: "--drain-timeout").flatMap { Double(execStart[$0 + 1]) } ?? 30
        let stopTimeout = Double((Self.value("TimeoutStopSec", in: s) ?? "0").replacingOccurrences(of: "s", with: "")) ?? 0
        #expect(stopTimeout >= drain + 5 + 5, "TimeoutStopSec=\(stopTimeout) must cover the drain (\(drain) s) and the SIGKILL wait (5 s)")
        #expect(Self.value("User", in: s) == "cyrus" && Self.value("Group", in: s) == "mail")
        #expect(Self.value("ProtectSystem", in: s) == "strict")
        for key in ["PrivateTmp", "NoNewPrivileges", "ProtectHome"] { #expect(Self.value(key, in: s) == "yes", "\(key)") }
        #expect(Self.value("RestrictAddressFamilies", in: s)?.split(separator: " ").sorted() == ["AF_INET", "AF_INET6", "AF_UNIX"])

        // Writable: imapd.conf's configdirectory and partition, and the sockets' directory.
        let imapd = try String(contentsOf: Self.repository.appendingPathComponent("etc/imapd.conf.sample"), encoding: .utf8)
        let writable = (Self.value("ReadWritePaths", in: s) ?? "").split(separator: " ").map(String.init)
            + ["/run/" + (Self.value("RuntimeDirectory", in: s) ?? "")]
        for option in ["configdirectory", "partition-default"] {
            let line = imapd.split(separator: "\n").first { $0.hasPrefix(option + ":") }
            let path = line.map { $0.dropFirst(option.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
            #expect(writable.contains { path == $0 || path.hasPrefix($0 + "/") }, "\(option) \(path) is not writable under ProtectSystem=strict")
        }
        for listen in Self.sampleServices().values where listen.hasPrefix("/") {
            let directory = (listen as NSString).deletingLastPathComponent
            #expect(writable.contains(directory), "the socket directory \(directory) is not writable")
        }
    }

    @Test("the socket units name cyrus.conf.sample's services and listen where they do")
    func sockets() throws {
        let services = Self.sampleServices()
        for unit in Self.units where unit.hasSuffix(".socket") {
            let s = try Self.settings(unit)
            let name = Self.value("FileDescriptorName", in: s) ?? ""
            #expect(services[name] != nil, "\(unit): FileDescriptorName=\(name) is no SERVICES entry of etc/cyrus.conf.sample")
            #expect(Self.value("ListenStream", in: s) == services[name], "\(unit) listens elsewhere than \(name)'s listen=")
            #expect(Self.value("Service", in: s) == "minimaster.service")
        }
    }

    /// `name → listen` of the SERVICES entries in etc/cyrus.conf.sample.
    static func sampleServices() -> [String: String] {
        let text = (try? String(contentsOf: repository.appendingPathComponent("etc/cyrus.conf.sample"), encoding: .utf8)) ?? ""
        var services: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = words.first, !name.hasPrefix("#"),
                  let listen = line.range(of: "listen=\"").map({ line[$0.upperBound...].prefix { $0 != "\"" } }) else { continue }
            services[String(name)] = String(listen)
        }
        return services
    }
}
