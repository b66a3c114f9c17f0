import Foundation
import Glibc
import POSIXCore
import Testing

/// `WATCHDOG_USEC`: minimaster pings from its supervision loop at half the interval.
@Suite("systemd: watchdog")
struct SystemdWatchdogTests {
    @Test("WATCHDOG=1 about every half interval; a stopped loop stops the pings, a resumed one resumes them")
    func pings() throws {
        let h = try MasterHarness("sdwatchdog")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        defer { m.stop() }
        guard notify.first("READY", "1") != nil else {
            Issue.record("no READY=1:\n\(h.log())")
            return
        }
        let from = MonotonicClock.now()
        usleep(3_000_000)
        let pings = notify.messages.filter { $0.text == "WATCHDOG=1" && $0.time >= from }
        let gaps = zip(pings.dropFirst(), pings).map { $0.time - $1.time }
        let mean = gaps.isEmpty ? 0 : gaps.reduce(0, +) / Double(gaps.count)
        #expect((4...7).contains(pings.count), "\(pings.count) pings in 3 s")
        #expect(mean > 0.45 && mean < 0.6, "mean ping interval \(mean) s")
        #expect(gaps.allSatisfy { $0 > 0.3 && $0 < 0.9 }, "ping intervals: \(gaps)")

        m.signal(SIGSTOP)
        let stopped = MonotonicClock.now()
        usleep(1_500_000)
        let whileStopped = notify.messages.filter { $0.text == "WATCHDOG=1" && $0.time > stopped + 0.2 }
        #expect(whileStopped.isEmpty, "pings while the loop was stopped: \(whileStopped.count)")
        let count = notify.messages.count
        m.signal(SIGCONT)
        #expect(notify.first(from: count, timeout: 1) { $0.text == "WATCHDOG=1" } != nil, "no ping after SIGCONT")
    }

    @Test("a WATCHDOG_PID naming another process: no pings, the rest as usual")
    func otherProcess() throws {
        let h = try MasterHarness("sdwatchpid")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        defer { m.stop() }
        #expect(notify.first("READY", "1") != nil, "no READY=1:\n\(h.log())")
        usleep(600_000)
        #expect(!notify.messages.contains { $0.text == "WATCHDOG=1" })
    }
}
