import Foundation
import Glibc

/// What Debian's Cyrus 3.6 `timsieved` needs in a MasterHarness testbed, and its ManageSieve
/// client `sieveshell` (package cyrus-admin).
///
/// timsieved authenticates with libsasl2 (the AuthTestbed sasldb, PLAIN in the clear), then
/// looks the user's INBOX up in Cyrus's `mailboxes.db`: without an entry the login fails with
/// `NO "Authentication Error"`. The entry is made with `ctl_mboxlist -u`, with legacy
/// directories (`mbtype` `el`, as mailboxes made before 3.6), so the user's sievedir is
/// `<sievedir>/<h>/<user>`. timsieved then makes the `#sieve` mailbox on the partition
/// (`user/<user>/#sieve/`) and the DAV database `<configdirectory>/user/<h>/<user>.dav`.
enum TimsievedSetup {
    static let timsieved = "/usr/lib/cyrus/bin/timsieved"
    static let ctlMboxlist = "/usr/lib/cyrus/bin/ctl_mboxlist"
    static let sieveshell = "/usr/bin/sieveshell"

    static var installed: Bool { access(timsieved, X_OK) == 0 }

    /// `<root>/sieve`, the testbed's `sievedir`.
    static func sievedir(_ h: MasterHarness) -> String { h.bed.root.appendingPathComponent("sieve").path }

    /// sasldb users (AuthTestbed's), `sievedir`, and an INBOX entry in mailboxes.db per user.
    static func prepare(_ h: MasterHarness, users: [String]) throws {
        try FileManager.default.createDirectory(atPath: sievedir(h), withIntermediateDirectories: true)
        _ = try AuthTestbed.addSASL(to: h.bed, config: AuthTestbed.defaultConfig + ["sasl_mech_list: PLAIN", "sievedir: \(sievedir(h))"])
        let entries = users.map { user in
            "\"user.\(user)\": {\"mbtype\": \"el\", \"partition\": \"default\", \"uniqueid\": \"\(UUID().uuidString.lowercased())\", "
                + "\"uidvalidity\": \"1\", \"createdmodseq\": \"1\", \"foldermodseq\": \"1\", \"acl\": {\"\(user)\": \"lrswipkxtecdan\"}}"
        }
        // Cyrus's tools run as the cyrus user (they switch to it when started as root).
        try ServiceUserHandover.prepare(h.bed.root)
        let undump = try runTool(ctlMboxlist, ["-C", h.imapdConf, "-u"], input: "{\n" + entries.joined(separator: ",\n") + "\n}\n", timeout: 20)
        guard undump.status == 0 else { throw HarnessError("ctl_mboxlist -u failed: \(undump.output)") }
    }

    /// The `sieve` SERVICES line: timsieved on a loopback port, started per connection.
    static func serviceLine(_ h: MasterHarness, port: Int) -> String {
        "  sieve cmd=\"\(timsieved) -C \(h.imapdConf)\" listen=\"127.0.0.1:\(port)\" prefork=0"
    }

    /// Runs sieveshell non-interactively: authenticates as `user` and runs `commands` (one per
    /// line, e.g. `put <file> <name>`, `activate <name>`, `list`). Exit status 0 when every
    /// command succeeded.
    static func sieveshell(port: Int, user: String, password: String, commands: [String]) throws -> (status: Int32, output: String) {
        try runTool(sieveshell, ["--user=\(user)", "--authname=\(user)", "--password=\(password)",
                                 "--exec=\(commands.joined(separator: "\n"))", "127.0.0.1:\(port)"], timeout: 30)
    }
}
