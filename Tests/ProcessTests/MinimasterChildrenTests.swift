import Foundation
import Glibc
import Testing

/// How many children minimaster keeps, and when it forks, recycles and gives up.
@Suite("minimaster: children")
struct MinimasterChildrenTests {
    @Test("prefork: that many idle children at start, refilled when one becomes busy")
    func prefork() throws {
        let h = try MasterHarness("prefork")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=3")
        try h.start()
        defer { h.stop() }
        #expect(h.waitForChildren(3))
        usleep(300_000)
        #expect(h.children().count == 3, "prefork=3 must not fork more while all are idle")
        // One session held open: that child is BUSY, so a fourth is forked to keep 3 ready.
        guard case .success(let client) = MasterClient.connect(.unix(h.socket("echo"))) else {
            Issue.record("connect failed")
            return
        }
        #expect(client.readLine()?.hasPrefix("220 echo") == true)
        #expect(h.waitForChildren(4))
        client.send("QUIT\r\n")
        #expect(client.readLine() == "221 bye")
        // Back to AVAILABLE: 4 children, 4 idle, nothing forked or killed.
        usleep(300_000)
        #expect(h.children().count == 4)
    }

    @Test("maxchild is never exceeded by 10x as many concurrent clients, and every client is served")
    func maxchildUnderLoad() throws {
        let h = try MasterHarness("maxchild")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=1 maxchild=3")
        try h.start()
        defer { h.stop() }
        let monitor = MasterChildMonitor(master: h.pid)
        let result = MasterLoad.run(.unix(h.socket("echo")), clients: 30,
                                    steps: [.init(send: "SLEEP 50", expect: "250"), .init(send: "QUIT", expect: "221")])
        let most = monitor.stop()
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.served == 30)
        #expect(most <= 3, "saw \(most) children with maxchild=3")
        #expect(most == 3, "the load should have used all 3 children")
        #expect(Set(result.greetings.compactMap(echoPID)).count <= 3)
    }

    @Test("on demand (prefork=0) over TCP: a child is forked for the first connection")
    func onDemand() throws {
        let port = masterFreePort()
        let h = try MasterHarness("ondemand")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"127.0.0.1:\(port)\" prefork=0 maxchild=2")
        try h.start()
        defer { h.stop() }
        usleep(200_000)
        #expect(h.children().isEmpty)
        #expect(MasterClient.echoSession(.inet("127.0.0.1", port)) != nil)
        #expect(h.children().count == 1)
        let result = MasterLoad.run(.inet("127.0.0.1", port), clients: 20,
                                    steps: [.init(send: "SLEEP 20", expect: "250"), .init(send: "QUIT", expect: "221")])
        #expect(result.served == 20, "\(result.failures)")
        #expect(h.children().count <= 2)
    }

    @Test("-U: a child exits after that many sessions and a new one takes over")
    func usesRecycle() throws {
        let h = try MasterHarness("uses")
        // maxchild=1: one child at a time, so which child serves a session is deterministic.
        try h.writeConf(services: "  echo cmd=\"\(h.echo("-U 2"))\" listen=\"\(h.socket("echo"))\" prefork=1 maxchild=1")
        try h.start()
        defer { h.stop() }
        var pids: [pid_t] = []
        for _ in 0..<6 {
            guard let session = MasterClient.echoSession(.unix(h.socket("echo"))), let pid = echoPID(session.greeting) else {
                Issue.record("session failed")
                return
            }
            pids.append(pid)
        }
        #expect(pids[0] == pids[1] && pids[2] == pids[3] && pids[4] == pids[5], "\(pids)")
        #expect(Set(pids).count == 3, "\(pids)")
        // Retiring after a session, without AVAILABLE: the child is BUSY when it exits.
        #expect(h.waitForLog("in BUSY state exited normally", count: 2))
    }

    @Test("-T: an idle child exits after the timeout that follows its first session; prefork keeps one")
    func idleTimeout() throws {
        let h = try MasterHarness("idle")
        try h.writeConf(services: """
              fresh cmd="\(h.echo("-T 1"))" listen="\(h.socket("fresh"))" prefork=1
              used  cmd="\(h.echo("-T 1"))" listen="\(h.socket("used"))" prefork=0
            """)
        try h.start()
        defer { h.stop() }
        #expect(h.waitForChildren(1))
        let fresh = h.children()
        guard let session = MasterClient.echoSession(.unix(h.socket("used"))), let used = echoPID(session.greeting) else {
            Issue.record("session failed")
            return
        }
        // The used child goes away 1 s after its session; the fresh one (never used) stays.
        #expect(waitUntil(timeout: 5) { !h.children().contains(used) })
        #expect(h.children() == fresh)
        #expect(h.logLines(containing: "service used/unix pid \(used) in READY state exited normally").count == 1)
    }

    @Test("a program that keeps failing at start is disabled after 5 failures, until SIGHUP")
    func failureThrottle() throws {
        let port = masterFreePort()
        let h = try MasterHarness("flaky")
        try h.writeConf(services: "  flaky cmd=\"\(h.echo("--fail 1"))\" listen=\"127.0.0.1:\(port)\" prefork=1")
        try h.start()
        defer { h.stop() }
        #expect(h.waitForLog("too many failures for service flaky/ipv4, disabling until next SIGHUP"))
        #expect(h.logLines(containing: "in READY state: terminated abnormally").count == 5)
        #expect(h.logLines(containing: "service flaky/ipv4 pid").filter { $0.contains("exited, status 1") }.count == 5)
        // Disabled: no more forks, socket closed.
        usleep(500_000)
        #expect(h.logLines(containing: "in READY state: terminated abnormally").count == 5)
        guard case .failure(let error) = MasterClient.connect(.inet("127.0.0.1", port)) else {
            Issue.record("a disabled service must refuse connections")
            return
        }
        #expect(error.code == .ECONNREFUSED)
        // A SIGHUP with a working program brings it back.
        try h.writeConf(services: "  flaky cmd=\"\(h.echo())\" listen=\"127.0.0.1:\(port)\" prefork=1")
        h.signal(SIGHUP)
        #expect(h.waitForLog("enabled again"))
        #expect(MasterClient.echoSession(.inet("127.0.0.1", port)) != nil)
    }

    @Test("maxforkrate slows down a fork per session to about that many forks per second")
    func maxforkrate() throws {
        let h = try MasterHarness("forkrate")
        try h.writeConf(services: """
              limited cmd="\(h.echo("-U 1"))" listen="\(h.socket("limited"))" maxforkrate=5
              free    cmd="\(h.echo("-U 1"))" listen="\(h.socket("free"))"
            """)
        try h.start()
        defer { h.stop() }
        func time(_ socket: String, sessions: Int) -> Double {
            let start = Date()
            for _ in 0..<sessions { #expect(MasterClient.echoSession(.unix(socket)) != nil) }
            return Date().timeIntervalSince(start)
        }
        let free = time(h.socket("free"), sessions: 8)
        let limited = time(h.socket("limited"), sessions: 8)
        // 8 forks at 5/s take well over a second; unlimited they take a few milliseconds each.
        #expect(limited >= 1.0, "8 sessions with maxforkrate=5 took \(limited) s")
        #expect(limited < 6, "8 sessions with maxforkrate=5 took \(limited) s")
        #expect(free < limited, "unlimited \(free) s, limited \(limited) s")
    }

    @Test("babysit keeps one child alive; DAEMON entries are restarted when they exit")
    func babysitAndDaemon() throws {
        let h = try MasterHarness("babysit")
        try h.writeConf(services: "  sit cmd=\"\(h.echo())\" listen=\"\(h.socket("sit"))\" babysit=yes",
                        extra: "DAEMON {\n  sleeper cmd=\"/bin/sleep 30\"\n}\n")
        try h.start()
        defer { h.stop() }
        #expect(h.waitForChildren(2))
        guard let sleeper = h.children().first(where: { readCommand($0).hasPrefix("/bin/sleep") }) else {
            Issue.record("daemon not started")
            return
        }
        kill(sleeper, SIGKILL)
        #expect(h.waitForLog("daemon sleeper/daemon pid \(sleeper) in READY state signaled to death by signal 9"))
        #expect(waitUntil(timeout: 5) { h.children().contains { readCommand($0).hasPrefix("/bin/sleep") && $0 != sleeper } })
        // The babysat echo child is replaced too when it dies.
        guard let sitter = h.children().first(where: { readCommand($0).contains("cyrus-echo-service") }) else {
            Issue.record("babysat child missing")
            return
        }
        kill(sitter, SIGKILL)
        #expect(waitUntil(timeout: 5) { h.children().contains { readCommand($0).contains("cyrus-echo-service") && $0 != sitter } })
    }
}

/// The command line of a process, arguments joined by spaces.
func readCommand(_ pid: pid_t) -> String {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
    return String(decoding: data, as: UTF8.self).split(separator: "\0").joined(separator: " ")
}
