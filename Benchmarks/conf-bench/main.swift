// conf-bench: times ConfParse on large generated files (not a test; run with
// `swift run -c release conf-bench [runs]`).
import ConfParse
import Foundation

let runs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 7
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conf-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

/// A cyrus.conf with `count` services plus a few START/EVENTS/DAEMON entries.
func cyrusConf(services count: Int) -> String {
    var text = "# generated\nSTART {\n  recover cmd=\"ctl_cyrusdb -r\"\n}\n\nSERVICES {\n"
    for i in 0..<count {
        switch i % 3 {
        case 0: text += "  lmtp\(i)\tcmd=\"lmtpd -a\" listen=\"127.0.0.1:\(10000 + i % 50000)\" prefork=0 maxchild=10\n"
        case 1: text += "  unix\(i) cmd=\"lmtpd\" listen=\"/run/cyrus/socket/lmtp\(i)\" prefork=1 # comment\n"
        default: text += "  imap\(i) cmd=\"imapd -s\" listen=\"[::1]:\(20000 + i % 40000)\" proto=tcp6 babysit=yes maxfds=1024\n"
        }
    }
    text += "}\n\nEVENTS {\n  checkpoint cmd=\"ctl_cyrusdb -c\" period=30\n  delprune cmd=\"cyr_expire -E 3\" at=0400\n}\n"
    return text + "\nDAEMON {\n  idled cmd=\"idled\"\n}\n"
}

/// An imapd.conf with `count` lines: comments, typed options, continuations, overflow keys.
func imapdConf(lines count: Int) -> String {
    var text = "configdirectory: /var/lib/cyrus\ndefaultpartition: default\nmaxmessagesize: 0x100000\n"
    text += "lmtp_downcase_rcpt: yes\nvirtdomains: userid\ntls_session_timeout: 1h30m\nadmins: alice \\\nbob\n"
    var n = 8
    while n < count {
        switch n % 4 {
        case 0: text += "# comment line \(n)\n"
        case 1: text += "partition-p\(n): {configdirectory}/spool/p\(n)\n"
        case 2: text += "lmtp_sasl_opt\(n): value \(n)\n"
        default: text += "svc\(n)_maxmessagesize: \(n)\n"
        }
        n += 1
    }
    return text
}

let cyrusPath = directory.appendingPathComponent("cyrus.conf").path
let imapdPath = directory.appendingPathComponent("imapd.conf").path
try cyrusConf(services: 10_000).write(toFile: cyrusPath, atomically: true, encoding: .utf8)
try imapdConf(lines: 10_000).write(toFile: imapdPath, atomically: true, encoding: .utf8)

/// Runs `body` `runs` times and prints the best and median wall time.
func measure(_ name: String, _ body: () throws -> Int) rethrows {
    var times: [Double] = []
    var size = 0
    for _ in 0..<runs {
        let clock = ContinuousClock()
        let start = clock.now
        size = try body()
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    times.sort()
    let median = times[times.count / 2]
    print("\(name): \(size) items, best \(String(format: "%.2f", times[0])) ms, median \(String(format: "%.2f", median)) ms (\(runs) runs)")
}

do {
    try measure("cyrus.conf, 10000 services") { try CyrusConf.load(path: cyrusPath).services.count }
    try measure("imapd.conf, 10000 lines   ") { try ImapdConfig.load(path: imapdPath, service: "lmtp").entries.count }
} catch {
    print("conf-bench: \(error)")
    exit(1)
}
