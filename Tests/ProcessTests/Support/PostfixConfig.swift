import Foundation
import Glibc

/// The configuration of a private Postfix 3.7 instance (Debian's postfix package): everything
/// under one folder, local delivery of `@localhost` over LMTP to our lmtpd, every other
/// destination refused by the `error` transport, so that nothing ever leaves the machine.
struct PostfixConfig {
    /// Debian's pristine master.cf, the base of the instance's.
    static let masterDist = "/usr/share/postfix/master.cf.dist"
    /// Lookup table types Debian's Postfix loads as plugins; postconf warns without them.
    static let dynamicMaps = "/etc/postfix/dynamicmaps.cf"
    /// What the `error` transport answers for any destination but `localhost`.
    static let outboundRefusal = "error:outbound mail disabled in tests"

    /// The instance's folder: `etc/` (config_directory), `queue/`, `data/`, `maillog`.
    var directory: URL
    /// Postfix's next hop for `@localhost`: `unix:/path/to/socket` or `inet:127.0.0.1:port`.
    var lmtpDestination: String
    /// An smtpd on 127.0.0.1:port, or none (mail then enters through sendmail only).
    var smtpPort: UInt16?
    /// Further main.cf lines; a later `name = value` overrides an earlier one.
    var extraMain: [String] = []

    var configDirectory: URL { directory.appendingPathComponent("etc") }
    var queueDirectory: URL { directory.appendingPathComponent("queue") }
    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var maillog: URL { directory.appendingPathComponent("maillog") }

    /// main.cf. `maillog_file` must lie under one of `maillog_file_prefixes` (default `/var`),
    /// so the prefix is the instance's folder; the logging itself goes through the `postlog`
    /// service of master.cf.
    var main: String {
        ([
            "compatibility_level = 3.6",
            "queue_directory = \(queueDirectory.path)",
            "data_directory = \(dataDirectory.path)",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = loopback-only",
            "inet_protocols = ipv4",
            "myhostname = pf.localdomain",
            "myorigin = localhost",
            "mydestination = localhost",
            "mynetworks = 127.0.0.0/8",
            "relayhost =",
            "local_recipient_maps =",
            "local_transport = lmtp:\(lmtpDestination)",
            // Without these, a bounce or a redirect to another domain would be sent to the world.
            "default_transport = \(Self.outboundRefusal)",
            "relay_transport = \(Self.outboundRefusal)",
            "alias_maps =",
            "alias_database =",
            "biff = no",
            "smtputf8_enable = yes",
            "maillog_file_prefixes = \(directory.path)",
            "maillog_file = \(maillog.path)",
        ] + extraMain).joined(separator: "\n") + "\n"
    }

    /// master.cf: Debian's, with no service chrooted (the queue is not laid out for a chroot),
    /// and its `smtp inet` service bound to `127.0.0.1:smtpPort` or left out. `postlog`
    /// (unix-dgram) stays: it writes `maillog_file`.
    func master(from dist: String) -> String {
        var lines: [String] = []
        var droppingContinuation = false
        for line in dist.split(separator: "\n", omittingEmptySubsequences: false) {
            let isContinuation = line.first == " " || line.first == "\t"
            if droppingContinuation && isContinuation { continue }
            droppingContinuation = false
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !isContinuation, !line.hasPrefix("#"), fields.count >= 8 else {
                lines.append(String(line))
                continue
            }
            if fields[0] == "smtp" && fields[1] == "inet" {
                guard let smtpPort else {
                    droppingContinuation = true
                    continue
                }
                fields[0] = "127.0.0.1:\(smtpPort)"
            }
            fields[4] = "n"
            lines.append(fields.joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }

    /// Writes etc/ (main.cf, master.cf, dynamicmaps.cf and its .d folder), makes the queue and
    /// data folders (data is the mail_owner's). `postfix start` creates the queue's subfolders.
    func write() throws {
        let files = FileManager.default
        try files.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        try files.createDirectory(at: queueDirectory, withIntermediateDirectories: true)
        try files.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        guard let owner = getpwnam("postfix") else { throw POSIXError(.ENOENT) }
        chown(dataDirectory.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
        try main.write(to: configDirectory.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        let dist = try String(contentsOfFile: Self.masterDist, encoding: .utf8)
        try master(from: dist).write(to: configDirectory.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
        try files.copyItem(atPath: Self.dynamicMaps, toPath: configDirectory.appendingPathComponent("dynamicmaps.cf").path)
        let mapsFolder = Self.dynamicMaps + ".d"
        if files.fileExists(atPath: mapsFolder) {
            try files.copyItem(atPath: mapsFolder, toPath: configDirectory.appendingPathComponent("dynamicmaps.cf.d").path)
        }
    }
}
