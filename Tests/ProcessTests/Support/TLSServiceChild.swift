import Foundation
import Glibc

/// lmtpd as a TCP service child of a `FakeMaster`, without `-a`, with STARTTLS configured by
/// throw-away certificates (`TLSFiles`) and a short `lmtp_idle_timeout` (also the TLS
/// handshake's timeout).
final class TLSServiceChild {
    let bed: MailTestbed
    let files: TLSFiles
    let master: FakeMaster
    let child: ServiceProcess

    /// `tlsLines`: the TLS part of imapd.conf (default: `TLSFiles.imapdLines()`).
    init(_ label: String, idleTimeout: Int = 3, tlsLines: ((TLSFiles) -> [String])? = nil,
         arguments: [String] = []) throws {
        bed = try MailTestbed(label)
        files = try TLSFiles(in: bed.root)
        try appendConfig(bed, (tlsLines?(files) ?? files.imapdLines()) + ["lmtp_idle_timeout: \(idleTimeout)"])
        master = try FakeMaster(bed, listener: .tcp)
        child = try master.spawn(arguments, service: "lmtp")
    }

    var port: UInt16 { master.port }

    /// A client connected to the child, past the greeting.
    func connect() throws -> TLSClientConnection {
        let client = try TLSClientConnection(port: port)
        guard client.reply().hasPrefix("220 test.example") else { throw HarnessError("no greeting") }
        return client
    }

    /// Waits until the child's log contains `text`.
    func waitForLog(_ text: String, timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) { self.child.log.contains(text) }
    }

    func stop() {
        child.kill(SIGTERM)
        _ = child.wait()
    }
}

/// Appends lines to a testbed's imapd.conf.
func appendConfig(_ bed: MailTestbed, _ lines: [String]) throws {
    try bed.appendConfig(lines)
}
