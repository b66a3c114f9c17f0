import Foundation
import Glibc
import Testing

/// `minimaster status` against a real minimaster with real lmtpd children.
@Suite("minimaster status")
struct MinimasterStatusTests {
    /// An lmtpd service on a unix socket in `h`'s socket directory.
    static func lmtpService(_ h: MasterHarness, prefork: Int) -> String {
        "  lmtp cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=\(prefork) maxchild=5 maxforkrate=50"
    }

    /// An LMTP connection that got its greeting and stays open (its child stays BUSY).
    static func heldSession(_ h: MasterHarness) throws -> MasterClient {
        guard case .success(let client) = MasterClient.connect(.unix(h.socket("lmtp"))) else {
            throw HarnessError("cannot connect to lmtp")
        }
        guard client.readLine()?.hasPrefix("220 ") == true else { throw HarnessError("no LMTP greeting") }
        return client
    }

    /// One whole LMTP session: greeting, LHLO, QUIT.
    static func completeSession(_ h: MasterHarness) throws {
        let client = try heldSession(h)
        client.send("LHLO test\r\n")
        guard client.readReply()?.hasPrefix("250") == true else { throw HarnessError("LHLO failed") }
        client.send("QUIT\r\n")
        guard client.readLine()?.hasPrefix("221") == true else { throw HarnessError("QUIT failed") }
    }

    @Test("busy and ready children and served sessions, the same in text and JSON")
    func busyChildren() throws {
        let h = try MasterHarness("status-busy")
        try h.writeConf(services: Self.lmtpService(h, prefork: 1))
        try h.start()
        defer { h.stop() }
        try Self.completeSession(h)
        let held = [try Self.heldSession(h), try Self.heldSession(h)]

        // Two sessions held open, one served before; prefork=1 keeps one more child ready.
        var row: [String]?
        let settled = waitUntil(timeout: 10) {
            row = try? h.status().serviceRow("lmtp/unix")
            return row?[2] == "1" && row?[3] == "2"
        }
        #expect(settled, "status row: \(row ?? [])")
        let text = try h.status()
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains("configuration \(h.cyrusConf): generation 1, loaded "))
        guard let columns = text.serviceRow("lmtp/unix"), columns.count == 10 else {
            Issue.record("no lmtp/unix row in:\n\(text.output)")
            return
        }
        #expect(columns[1] == h.socket("lmtp"))
        #expect(columns[2] == "1")            // ready
        #expect(columns[3] == "2")            // busy
        #expect(columns[4] == "5")            // maxchild
        #expect(Int(columns[5]) == 3)         // forks: the first child, and one per held session
        #expect(columns[6].hasSuffix("/50"))  // rate vs maxforkrate
        #expect(columns[7] == "0")            // READY failures
        #expect(columns[8] == "3")            // sessions served
        #expect(columns[9] == "active")

        let json = try h.statusJSON()
        #expect(json["generation"] as? Int == 1)
        #expect(json["pid"] as? Int == Int(h.pid))
        guard let service = jsonServices(json)["lmtp/unix"] else {
            Issue.record("no lmtp/unix in JSON: \(json)")
            return
        }
        #expect(service["listen"] as? String == h.socket("lmtp"))
        #expect(service["systemdSocket"] is NSNull)
        #expect(service["ready"] as? Int == 1)
        #expect(service["busy"] as? Int == 2)
        #expect(service["maxchild"] as? Int == 5)
        #expect(service["forks"] as? Int == 3)
        #expect(service["maxforkrate"] as? Int == 50)
        #expect(service["served"] as? Int == 3)
        #expect(service["state"] as? String == "active")
        withExtendedLifetime(held) {}
    }

    @Test("SIGHUP: the generation goes up, the load time changes, the busy child is still to be recycled")
    func reload() throws {
        let h = try MasterHarness("status-reload")
        try h.writeConf(services: Self.lmtpService(h, prefork: 1))
        try h.start()
        defer { h.stop() }
        let before = try h.statusJSON()
        #expect(before["generation"] as? Int == 1)
        #expect(before["childrenToRecycle"] as? Int == 0)
        let held = try Self.heldSession(h)
        usleep(1_100_000)   // the load time is to the millisecond; make the change plain

        h.signal(SIGHUP)
        #expect(h.waitForLog("SIGHUP: reloading"))
        var after: [String: Any] = [:]
        let recycled = waitUntil(timeout: 10) {
            after = (try? h.statusJSON()) ?? [:]
            return after["generation"] as? Int == 2 && after["childrenToRecycle"] as? Int == 1
        }
        #expect(recycled, "after SIGHUP: \(after)")
        let loadedBefore = before["loadedAt"] as? Double ?? 0
        let loadedAfter = after["loadedAt"] as? Double ?? 0
        #expect(loadedAfter >= loadedBefore + 1, "loadedAt \(loadedBefore) -> \(loadedAfter)")
        #expect(after["startedAt"] as? Double == before["startedAt"] as? Double)
        let text = try h.status()
        #expect(text.output.contains(": generation 2, loaded "))
        #expect(text.output.contains(" (reload)\n"))
        #expect(text.output.contains("children of older generations still running: 1\n"))

        // The old child goes once its session is over.
        held.send("QUIT\r\n")
        #expect(held.readLine()?.hasPrefix("221") == true)
        let done = waitUntil(timeout: 10) { (try? h.statusJSON())?["childrenToRecycle"] as? Int == 0 }
        #expect(done)
    }

    @Test("socket mode 0600 and owned by the service user; another user is refused", .enabled(if: geteuid() == 0))
    func otherUserRefused() throws {
        let h = try MasterHarness("status-refuse")
        try h.writeConf(services: Self.lmtpService(h, prefork: 0))
        try h.start()
        defer { h.stop() }
        var info = stat()
        #expect(stat(h.statusSocketPath, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_uid == ServiceUserHandover.uid)
        // The user minimaster runs as is answered.
        let own = try h.status(as: ServiceUserHandover.user)
        #expect(own.status == 0, "\(own.error)")
        #expect(own.output.contains("as \(ServiceUserHandover.user) (uid "))

        // 0600: another user cannot even connect.
        let denied = try h.status(as: "nobody")
        #expect(denied.status == 1)
        #expect(denied.error.contains("permission denied on \(h.statusSocketPath)"), "\(denied.error)")
        #expect(denied.output.isEmpty)

        // Opened up by mistake: minimaster itself refuses, says why, and logs it.
        #expect(chmod(h.statusSocketPath, 0o666) == 0)
        let refused = try h.status(as: "nobody")
        #expect(refused.status == 1)
        #expect(refused.error.contains("refused: uid 65534 may not ask for minimaster's status"), "\(refused.error)")
        #expect(refused.output.isEmpty)
        #expect(h.waitForLog("status request refused: uid 65534"))
        // 20 refusals in a burst: each answered, not each logged (at most a line a second).
        let burst = try h.run(["/bin/sh", "-c", "for i in $(seq 20); do \"$0\" status -C \"$1\" 2>&1; done",
                               TestPaths.executable("minimaster"), h.imapdConf], as: "nobody")
        #expect(burst.output.components(separatedBy: "refused: uid 65534").count - 1 == 20, "\(burst.output)")
        #expect(h.logLines(containing: "status request refused").count < 21)
        #expect(try h.status().status == 0)
    }

    @Test("no minimaster: a clear message and exit status 1; the socket goes with minimaster")
    func notRunning() throws {
        let h = try MasterHarness("status-none")
        try h.writeConf(services: Self.lmtpService(h, prefork: 0))
        let never = try h.status()
        #expect(never.status == 1)
        #expect(never.error.contains("minimaster is not running (no status socket at \(h.statusSocketPath))"), "\(never.error)")
        #expect(never.output.isEmpty)

        try h.start()
        #expect(try h.status().status == 0)
        #expect(h.stop() == 0)
        #expect(access(h.statusSocketPath, F_OK) != 0, "the status socket must be removed at exit")
        let stopped = try h.status(["--json"])
        #expect(stopped.status == 1)
        #expect(stopped.error.contains("minimaster is not running (no status socket at \(h.statusSocketPath))"))
        #expect(stopped.output.isEmpty)
    }

    @Test("a socket left by a minimaster that died: not running, then replaced at the next start")
    func staleSocket() throws {
        let h = try MasterHarness("status-stale")
        try h.writeConf(services: Self.lmtpService(h, prefork: 0))
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in h.statusSocketPath.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(bound == 0)
        let stale = try h.status()
        #expect(stale.status == 1)
        #expect(stale.error.contains("minimaster is not running (nothing listens on the status socket at \(h.statusSocketPath))"), "\(stale.error)")

        try h.start()
        defer { h.stop() }
        let answered = try h.status()
        #expect(answered.status == 0, "\(answered.error)\n\(h.log())")
    }

    @Test("clients that connect and never send nor read stall nothing: forks, sessions and status go on")
    func idleClients() throws {
        let h = try MasterHarness("status-idle")
        // prefork=0: every LMTP connection needs a fork by the loop.
        try h.writeConf(services: Self.lmtpService(h, prefork: 0))
        try h.start()
        defer { h.stop() }
        var idle: [MasterClient] = []
        // First one that sends half a request and stops (minimaster has read it when the
        // LMTP clients come), then ten that send nothing, more than minimaster serves at once.
        guard case .success(let partial) = MasterClient.connect(.unix(h.statusSocketPath)) else {
            Issue.record("cannot connect to the status socket")
            return
        }
        partial.send("te")
        idle.append(partial)
        usleep(200_000)
        for _ in 0..<10 {
            guard case .success(let client) = MasterClient.connect(.unix(h.statusSocketPath)) else {
                Issue.record("cannot connect to the status socket")
                return
            }
            idle.append(client)
        }
        let started = Date()
        let sessions = [try Self.heldSession(h), try Self.heldSession(h)]
        #expect(Date().timeIntervalSince(started) < 3, "LMTP sessions waited for the idle status clients")
        try Self.completeSession(h)

        // A status request is answered: at once or as soon as the idle ones are timed out.
        let run = try h.status()
        #expect(run.status == 0, "\(run.error)")
        #expect(Date().timeIntervalSince(started) < 12)
        #expect(run.serviceRow("lmtp/unix")?[3] == "2", "\(run.output)")
        // Every idle client was closed by minimaster after 5 s (the last ones accepted later).
        for client in idle { #expect(client.readLine(timeout: 20) == nil) }
        #expect(Date().timeIntervalSince(started) < 16, "idle status clients were not closed")
        #expect(h.waitForLog("sent no request within 5 s: closed"))
        withExtendedLifetime(sessions) {}
    }
}
