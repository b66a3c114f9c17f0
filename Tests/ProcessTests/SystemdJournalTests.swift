import Foundation
import Glibc
import POSIXCore
import Testing

/// Logging under systemd: `JOURNAL_STREAM` names standard error, so minimaster and lmtpd log
/// to the journal (sd_journal_sendv), structured, and nowhere else.
@Suite("systemd: journal logging")
struct SystemdJournalTests {
    @Test("standard error is the journal stream: minimaster and lmtpd log to the journal with priority, SYSLOG_IDENTIFIER and SESSION=, nothing to standard error")
    func journal() throws {
        let h = try MasterHarness("sdjournal")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let journal = SystemdFakeJournal.claim()
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        var err: [Int32] = [-1, -1]
        #expect(makePipe(&err))
        var info = stat()
        #expect(fstat(err[1], &info) == 0)
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path, "JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"],
                    logFile: false, stderr: err[1])
        close(err[1])
        defer { close(err[0]) }
        #expect(notify.first("READY", "1") != nil, "no READY=1")
        #expect(SystemdDelivery.deliver(.unix(h.socket("lmtp")), subject: "journal").outcome == .delivered)
        #expect(m.stop() == 0)
        // Every copy of the pipe's write end is closed now: read it to its end.
        let stderrText = readToEnd(err[0], timeout: 5)
        #expect(stderrText.isEmpty, "written to standard error: \(stderrText)")

        guard let journal else {
            // A real journald owns the socket here: the entries went there, mixed with the host's.
            return
        }
        let entries = journal.entries
        let master = entries.filter { $0["SYSLOG_IDENTIFIER"] == "cyrus/master" }
        #expect(master.contains { $0["MESSAGE"] == "ready for work" && $0["PRIORITY"] == "5" }, "\(master)")
        #expect(master.allSatisfy { $0["SYSLOG_FACILITY"] == "2" })
        let delivered = entries.filter { $0["SYSLOG_IDENTIFIER"] == "cyrus/lmtpunix" && ($0["MESSAGE"] ?? "").contains("status=delivered") }
        #expect(delivered.count == 1, "\(entries)")
        guard let entry = delivered.first, let session = entry["SESSION"], !session.isEmpty else {
            Issue.record("no SESSION= in \(delivered)")
            return
        }
        #expect(entry["PRIORITY"] == "6")
        let stored = h.bed.messages("alice").first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(stored.contains(session), "the Received: header names session \(session)")
    }
}

/// What a pipe holds until end of file (or `timeout` seconds).
private func readToEnd(_ fd: Int32, timeout: Double) -> String {
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    let end = MonotonicClock.now() + timeout
    while MonotonicClock.now() < end {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 100) >= 0 else { break }
        if pfd.revents == 0 { continue }
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
