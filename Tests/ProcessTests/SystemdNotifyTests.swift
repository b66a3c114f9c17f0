import Foundation
import Glibc
import POSIXCore
import Testing

/// minimaster's sd_notify messages, received on a real `NOTIFY_SOCKET` datagram socket.
@Suite("systemd: readiness, reload, stop and status notifications")
struct SystemdNotifyTests {
    /// A wrapper that starts lmtpd only after `delay` seconds: a service whose children are
    /// slow to start.
    static func slowLMTPD(_ h: MasterHarness, delay: Double = 1) throws -> String {
        let path = h.bed.root.appendingPathComponent("slow-lmtpd").path
        try "#!/bin/sh\nsleep \(delay)\nexec \(TestPaths.executable("lmtpd")) \"$@\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test("READY=1 only once every service's preforked children run, with a STATUS= line naming each service")
    func readyAfterChildren() throws {
        let port = masterFreePort()
        let h = try MasterHarness("sdready")
        let slow = try Self.slowLMTPD(h)
        try h.writeConf(services: """
              lmtpunix cmd="\(slow) -C \(h.imapdConf)" listen="\(h.socket("lmtp"))" prefork=2
              lmtp     cmd="\(h.lmtpd("-a"))" listen="127.0.0.1:\(port)" prefork=1
              spare    cmd="\(h.lmtpd())" listen="\(h.socket("spare"))" prefork=0
            """)
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        let launched = MonotonicClock.now()
        try m.start(environment: ["NOTIFY_SOCKET": notify.path])
        defer { m.stop() }
        guard let (index, ready) = notify.first("READY", "1") else {
            Issue.record("no READY=1: \(notify.messages)\n\(h.log())")
            return
        }
        let started = m.startedChildren()
        #expect(started.count == 3, "children running at READY=1: \(started.count) of 3")
        #expect(ready.time - launched >= 1.0, "READY=1 came before the slow children could start")
        #expect(ready["STATUS"] == "lmtpunix: 2 ready, 0 busy, 0 served; lmtp: 1 ready, 0 busy, 0 served; spare: 0 ready, 0 busy, 0 served; disabled: none")
        let before = notify.messages[..<index]
        #expect(before.allSatisfy { $0.text.hasPrefix("STATUS=") }, "before READY=1: \(Array(before))")
        #expect(notify.messages.filter { $0["READY"] != nil }.count == 1)
        #expect(SystemdDelivery.deliver(.unix(h.socket("lmtp")), subject: "ready").outcome == .delivered)
    }

    @Test("SIGHUP: RELOADING=1 with MONOTONIC_USEC, READY=1 again once the new configuration's children run")
    func reload() throws {
        let h = try MasterHarness("sdreload")
        let slow = try Self.slowLMTPD(h)
        try h.writeConf(services: "  lmtpunix cmd=\"\(slow) -C \(h.imapdConf)\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path])
        defer { m.stop() }
        guard let (first, _) = notify.first("READY", "1") else {
            Issue.record("no READY=1 at startup:\n\(h.log())")
            return
        }
        let old = Set(m.children())
        try h.writeConf(services: """
              lmtpunix cmd="\(slow) -C \(h.imapdConf)" listen="\(h.socket("lmtp"))" prefork=2
              extra    cmd="\(h.lmtpd())" listen="\(h.socket("extra"))" prefork=1
            """)
        let signalled = MonotonicClock.now()
        m.signal(SIGHUP)
        guard let (reloadIndex, reloading) = notify.first("RELOADING", "1", from: first + 1),
              let (_, ready) = notify.first("READY", "1", from: reloadIndex + 1) else {
            Issue.record("no RELOADING=1 then READY=1: \(notify.messages)")
            return
        }
        let fresh = m.startedChildren().filter { !old.contains($0) }
        #expect(fresh.count >= 3, "new children running at READY=1: \(fresh.count) of 3")
        let usec = Double(reloading["MONOTONIC_USEC"] ?? "") ?? 0
        #expect(usec / 1e6 >= signalled - 0.001 && usec / 1e6 <= reloading.time + 0.001, "MONOTONIC_USEC \(usec)")
        #expect(ready.time - reloading.time >= 1.0, "READY=1 came before the slow children could start")
        #expect(ready["STATUS"]?.hasPrefix("lmtpunix: 2 ready, 0 busy, 0 served; extra: 1 ready") == true, "\(ready)")
    }

    @Test("SIGTERM: STOPPING=1 with the drain's status as the drain begins, then a clean exit")
    func stopping() throws {
        let h = try MasterHarness("sdstop")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path])
        guard notify.first("READY", "1") != nil,
              case .success(let session) = MasterClient.connect(.unix(h.socket("lmtp"))),
              session.readLine()?.hasPrefix("220") == true else {
            Issue.record("no READY=1 or no session:\n\(h.log())")
            m.stop()
            return
        }
        m.signal(SIGTERM)
        guard let (index, stopping) = notify.first("STOPPING", "1") else {
            Issue.record("no STOPPING=1: \(notify.messages)")
            return
        }
        #expect(stopping["STATUS"]?.hasPrefix("stopping: ") == true && stopping["STATUS"]?.hasSuffix(" finishing") == true)
        session.send("QUIT\r\n")
        _ = session.readLine()
        #expect(m.waitExit() == 0)
        #expect(!notify.messages[index...].contains { $0["READY"] != nil })
    }

    @Test("STATUS= follows busy children and connections served, never more than four times a second")
    func statusUpdates() throws {
        let h = try MasterHarness("sdstatus")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1 maxchild=5")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path])
        defer { m.stop() }
        guard let (ready, _) = notify.first("READY", "1"),
              case .success(let session) = MasterClient.connect(.unix(h.socket("lmtp"))),
              session.readLine()?.hasPrefix("220") == true else {
            Issue.record("no READY=1 or no session:\n\(h.log())")
            return
        }
        #expect(notify.first(from: ready + 1) { $0["STATUS"]?.hasPrefix("lmtpunix: 1 ready, 1 busy, 1 served") == true } != nil,
                "\(notify.messages)")
        session.send("QUIT\r\n")
        _ = session.readLine()
        #expect(SystemdDelivery.deliver(.unix(h.socket("lmtp")), subject: "status").outcome == .delivered)
        #expect(notify.first(from: ready + 1) { $0["STATUS"]?.contains(" 0 busy, 2 served") == true } != nil, "\(notify.messages)")

        let burstStart = MonotonicClock.now()
        // Fewer clients than the listen backlog (32): MasterLoad connects them all first.
        let burst = MasterLoad.run(.unix(h.socket("lmtp")), clients: 25, steps: MinimasterLMTPTests.delivery(1))
        #expect(burst.failures.isEmpty, "\(burst.failures)")
        #expect(notify.first(from: ready + 1) { $0["STATUS"]?.contains(" 27 served") == true } != nil, "\(notify.messages)")
        let burstEnd = MonotonicClock.now()
        let updates = notify.messages.filter { $0.time >= burstStart && $0["STATUS"] != nil }
        let gaps = zip(updates.dropFirst(), updates).map { $0.time - $1.time }
        #expect(updates.count <= Int((burstEnd - burstStart) / 0.25) + 2, "\(updates.count) STATUS= updates in \(burstEnd - burstStart) s")
        #expect(gaps.allSatisfy { $0 >= 0.15 }, "STATUS= updates closer than 0.25 s: \(gaps)")
    }

    @Test("-d: the daemon tells systemd MAINPID=<its pid>, then READY=1")
    func daemonMainPID() throws {
        let h = try MasterHarness("sdmainpid")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        let notify = try SystemdNotifySocket(path: h.socket("notify"))
        let pidfile = h.bed.root.appendingPathComponent("master.pid").path
        let m = SystemdMaster(h)
        try m.start(environment: ["NOTIFY_SOCKET": notify.path], arguments: ["-d", "-p", pidfile])
        #expect(m.waitExit() == 0, "the parent exits 0 once the services are bound")
        let daemon = pid_t(((try? String(contentsOfFile: pidfile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        defer {
            if daemon > 0 {
                kill(daemon, SIGTERM)
                _ = waitUntil(timeout: 15) { !processIsAlive(daemon) }
            }
        }
        #expect(daemon > 0 && daemon != m.pid)
        guard let (index, main) = notify.first("MAINPID") else {
            Issue.record("no MAINPID=: \(notify.messages)")
            return
        }
        #expect(main["MAINPID"] == "\(daemon)")
        #expect(notify.first("READY", "1", from: index + 1) != nil, "\(notify.messages)")
    }

    @Test("without systemd (no NOTIFY_SOCKET, no LISTEN_FDS) nothing is sent and nothing is said about it")
    func withoutSystemd() throws {
        let h = try MasterHarness("sdnone")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        try h.start()
        #expect(SystemdDelivery.deliver(.unix(h.socket("lmtp")), subject: "plain").outcome == .delivered)
        h.signal(SIGHUP)
        #expect(h.waitForLog("SIGHUP: reloading"))
        #expect(h.stop() == 0)
        let log = h.log().lowercased()
        for word in ["systemd", "notify", "watchdog", "ready=1", "journal"] {
            #expect(!log.contains(word), "the log mentions \(word):\n\(h.log())")
        }
        #expect(h.bed.messages("alice").count == 1)
    }
}

/// Whether `pid` exists and is not a zombie.
func processIsAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}
