import Foundation
import Glibc
import POSIXCore
import Testing

/// The units of systemd/ exactly as shipped, under a real systemd 252 (PID 1 of a Debian 12
/// container booted with systemd-nspawn from the root scripts/systemd-container-root caches),
/// with the sample configuration, as README's "Running under systemd" describes them.
/// Each test boots its own container; the tests run in parallel.
@Suite("systemd: the shipped units under a real systemd 252 (nspawn container)",
       .enabled(if: SystemdContainer.unavailableReason == nil, Comment(rawValue: SystemdContainer.unavailableReason ?? "")))
struct SystemdContainerTests {
    static let service = ContainerMinimaster.service

    @Test("systemctl start: active only once the preforked lmtpd runs and answers; systemctl status shows minimaster's STATUS line")
    func startAndStatus() throws {
        let mm = try ContainerMinimaster("start")
        #expect(mm.activeState() == "inactive")
        #expect(mm.container.systemctl("start", "--no-block", Self.service).status == 0)
        let state = Self.poll(timeout: 20) { mm.activeState() }.until { $0 == "active" || $0 == "failed" }
        try #require(state == "active", "\(mm.journal())")

        // The moment systemd says active: the child cyrus.conf.sample preforks runs, and answers.
        let master = try #require(mm.mainPID())
        #expect(mm.startedChildren(of: master).count == 1, "lmtpunix's preforked lmtpd must run before READY=1")
        let status = mm.container.systemctl("status", "--no-pager", Self.service).output
        #expect(status.contains("Status: \"lmtpunix: 1 ready, 0 busy, 0 served; lmtp: 0 ready, 0 busy, 0 served; disabled: none\""),
                "\(status)")
        let connected = MonotonicClock.now()
        let greeting = try MasterClient.connect(mm.unixTarget).get().readReply(timeout: 5)
        #expect(greeting?.hasPrefix("220 ") == true)
        #expect(MonotonicClock.now() - connected < 1, "the greeting comes from a child that already runs")

        // Afterwards the line follows what happens (a busy child gets an idle one forked
        // beside it, so more may be ready than prefork).
        #expect(mm.deliverOverUnix("after start") == .delivered)
        let served = Self.poll(timeout: 5) { mm.statusText() }.until { $0.contains(" ready, 0 busy, 2 served; lmtp: 0 ready") }
        #expect(served.hasPrefix("lmtpunix: ") && served.contains(" ready, 0 busy, 2 served; lmtp: 0 ready"),
                "the greeting's and the delivery's sessions: \(served)")
        #expect(mm.storedSubjects() == ["after start"])
    }

    @Test("systemctl reload: same process and socket, the new cyrus.conf in effect, no client refused; stop: the session in progress is delivered first")
    func reloadAndStop() throws {
        let mm = try ContainerMinimaster("reload")
        #expect(mm.container.systemctl("start", Self.service).status == 0)
        let master = try #require(mm.mainPID())
        let socketInode = inode(of: mm.container.path(mm.unixSocket))

        // Reload into two preforked lmtpunix children: systemd waits, then the new cyrus.conf
        // is in effect in the same process, on the same socket.
        let sample = try String(contentsOf: SystemdUnitTests.repository.appendingPathComponent("etc/cyrus.conf.sample"), encoding: .utf8)
        try #require(sample.components(separatedBy: "prefork=1 ").count == 2)
        try mm.container.write(sample.replacingOccurrences(of: "prefork=1 ", with: "prefork=2 "), to: "/etc/cyrus.conf")
        // (systemd 252 ends `systemctl reload` when `kill -HUP` exits; "reloading" then shows
        // until minimaster's READY=1.)
        let reload = mm.container.systemctl("reload", Self.service)
        #expect(reload.status == 0, "\(reload.output)")
        let status = Self.poll(timeout: 10) { mm.statusText() }.until { $0.hasPrefix("lmtpunix: 2 ready, 0 busy, 0 served") }
        #expect(status.hasPrefix("lmtpunix: 2 ready, 0 busy, 0 served"), "the new cyrus.conf's prefork=2: \(status)")
        #expect(Self.poll(timeout: 10) { mm.activeState() }.until { $0 == "active" } == "active")
        #expect(mm.startedChildren(of: master).count == 2, "READY=1 after the reload waits for the new children")
        #expect(mm.mainPID() == master, "a reload is no restart")
        #expect(inode(of: mm.container.path(mm.unixSocket)) == socketInode, "the socket is kept")

        // Back to the sample while a client delivers: no session is refused.
        try mm.container.write(sample, to: "/etc/cyrus.conf")
        let load = SystemdDeliveryLoad(mm.unixTarget, threads: 1)
        usleep(200_000)
        let again = mm.container.systemctl("reload", Self.service)
        usleep(300_000)
        let tally = load.stop()
        #expect(again.status == 0, "\(again.output)")
        #expect(tally.failures.isEmpty, "\(tally.failures)")
        #expect(!tally.delivered.isEmpty)
        #expect(mm.mainPID() == master)

        // Stop while a message is half sent.
        let client = try MasterClient.connect(mm.unixTarget).get()
        #expect(client.readReply()?.hasPrefix("220") == true)
        for (command, reply) in [("LHLO drain", "250"), ("MAIL FROM:<mta@example.org>", "250"), ("RCPT TO:<bob>", "250"), ("DATA", "354")] {
            client.send(command + "\r\n")
            #expect(client.readReply()?.hasPrefix(reply) == true, "\(command)")
        }
        client.send("Subject: drained\r\n\r\nfirst half\r\n")
        let stop = try mm.container.start(["systemctl", "stop", Self.service])
        let draining = Self.poll(timeout: 10) { mm.activeState() }.until { $0 != "active" }
        #expect(draining == "deactivating", "minimaster drains while the session goes on")
        #expect(mm.statusText().hasPrefix("stopping: "), "systemctl status shows the drain")
        usleep(300_000)
        if case .success(let late) = MasterClient.connect(mm.unixTarget) {
            #expect(late.readReply(timeout: 1)?.hasPrefix("220") != true, "no new session once the drain began")
        }
        client.send("second half\r\n.\r\n")
        let accepted = client.readReply(timeout: 10)
        let acceptedAt = MonotonicClock.now()
        #expect(accepted?.hasPrefix("250") == true, "the message in progress is delivered: \(accepted ?? "no reply")")
        #expect(stop.wait(timeout: 45) == 0)
        #expect(MonotonicClock.now() - acceptedAt < 10, "minimaster exits once the session is over, not after --drain-timeout")
        #expect(mm.activeState() == "inactive")
        #expect(mm.storedSubjects("bob") == ["drained"])
        #expect(Set(tally.delivered).isSubset(of: Set(mm.storedSubjects())))
    }

    @Test("socket units: the first connection on either starts minimaster; systemctl restart refuses no client")
    func socketActivation() throws {
        let mm = try ContainerMinimaster("sockets")
        let sockets = mm.container.systemctl("start", "minimaster-lmtpunix.socket", "minimaster-lmtp.socket")
        try #require(sockets.status == 0, "\(sockets.output)")
        #expect(mm.activeState() == "inactive")
        // Served at once; systemd says active once lmtpunix's preforked child runs too.
        #expect(mm.deliverOverUnix("activated by unix") == .delivered, "\(mm.journal())")
        #expect(Self.poll(timeout: 10) { mm.activeState() }.until { $0 == "active" } == "active")
        #expect(mm.journal().contains("socket from systemd: lmtpunix"))

        #expect(mm.container.systemctl("stop", Self.service).status == 0)
        #expect(mm.activeState() == "inactive")
        #expect(try mm.deliverOverTCP("activated by tcp") == .delivered, "\(mm.journal())")
        #expect(Self.poll(timeout: 10) { mm.activeState() }.until { $0 == "active" } == "active")
        #expect(mm.journal().contains("socket from systemd: lmtp,"))

        // Two restarts under load: every connection is answered (a 421 from a child asked to
        // stop is retried, as an MTA does); none is refused, none lost.
        var masters = Set([mm.mainPID()])
        var restarts: [(start: Double, end: Double)] = []
        let load = SystemdDeliveryLoad(mm.unixTarget, threads: 2)
        usleep(300_000)
        for _ in 0..<2 {
            let start = MonotonicClock.now()
            let restart = mm.container.systemctl("restart", Self.service)
            restarts.append((start, MonotonicClock.now()))
            #expect(restart.status == 0, "\(restart.output)")
            masters.insert(mm.mainPID())
            usleep(300_000)
        }
        let tally = load.stop()
        #expect(tally.failures.isEmpty, "\(tally.failures)")
        #expect(masters.count == 3, "each restart is a new minimaster")
        let duringRestarts = tally.sessions.filter { session in restarts.contains { session.start >= $0.start && session.start <= $0.end } }
        #expect(!duringRestarts.isEmpty, "some connections were made while minimaster restarted")
        let stored = Set(mm.storedSubjects())
        #expect(Set(tally.delivered).isSubset(of: stored), "every message that got 250 is in the Maildir")
        #expect(stored.isSuperset(of: ["activated by unix", "activated by tcp"]))
    }

    @Test("the watchdog: a minimaster that stops pinging is killed and restarted by systemd, and delivery resumes")
    func watchdog() async throws {
        let mm = try ContainerMinimaster("watchdog")
        #expect(mm.container.systemctl("start", Self.service).status == 0)
        let hung = try #require(mm.mainPID())
        #expect(mm.deliverOverUnix("before the hang") == .delivered)
        kill(hung, SIGSTOP)
        let stopped = MonotonicClock.now()
        // WatchdogSec=30s from the last ping (at most 15 s before the SIGSTOP), RestartSec=2s;
        // on a loaded 2-core machine (the whole suite in parallel) systemd's restart and the
        // new minimaster's start can take many seconds more. The wait sleeps without holding a
        // test thread.
        var restarted: pid_t?
        while MonotonicClock.now() - stopped < 90 {
            restarted = mm.mainPID()
            if restarted != nil && restarted != hung { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let waited = MonotonicClock.now() - stopped
        try #require(restarted != nil && restarted != hung, "no new minimaster after \(waited) s:\n\(mm.journal())")
        #expect(waited >= 14 && waited < 80, "restarted after \(waited) s")
        #expect(mm.journal().contains("Watchdog timeout"), "\(mm.journal())")
        #expect(mm.container.property("NRestarts", of: Self.service) == "1")
        #expect(Self.poll(timeout: 10) { mm.activeState() }.until { $0 == "active" } == "active")
        #expect(access("/proc/\(hung)", F_OK) != 0, "the hung minimaster is gone")
        #expect(mm.deliverOverUnix("after the restart") == .delivered)
        #expect(Set(mm.storedSubjects()) == ["before the hang", "after the restart"])
    }

    @Test("the hardening leaves delivery working: unix socket and TCP into /var/spool/cyrus/mail, read back; the sandbox is real")
    func hardenedDelivery() throws {
        let mm = try ContainerMinimaster("hardening")
        #expect(mm.container.systemctl("start", Self.service).status == 0)
        #expect(mm.deliverOverUnix("over the unix socket", to: "alice") == .delivered, "\(mm.journal())")
        #expect(try mm.deliverOverTCP("over TCP", to: "bob") == .delivered, "\(mm.journal())")
        let alice = mm.storedMessages("alice"), bob = mm.storedMessages("bob")
        #expect(alice.count == 1 && alice.first?.contains("Subject: over the unix socket\n\nover the unix socket\n") == true, "\(alice)")
        #expect(bob.count == 1 && bob.first?.contains("Subject: over TCP\n\nover TCP\n") == true, "\(bob)")

        // What the unit asked for is in force on the process that delivered.
        let master = try #require(mm.mainPID())
        let cyrus = mm.container.run(["id", "-u", "cyrus"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = (try? String(contentsOfFile: "/proc/\(master)/status", encoding: .utf8)) ?? ""
        let field = { (name: String) in
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        #expect(field("Uid").split(whereSeparator: { $0 == "\t" || $0 == " " }).allSatisfy { $0 == cyrus }, "User=cyrus")
        #expect(field("NoNewPrivs") == "1")
        #expect(field("CapBnd") == "0000000000000000", "CapabilityBoundingSet= (empty)")
        #expect(field("Seccomp") == "2", "SystemCallArchitectures= and the Restrict*= filters")
        let readOnly = mm.container.run(["touch", "/etc/hardening-probe"], namespacesOf: master)
        #expect(readOnly.status != 0 && readOnly.output.contains("Read-only file system"), "ProtectSystem=strict: \(readOnly.output)")
        let spool = mm.container.run(["touch", "/var/spool/cyrus/mail/hardening-probe", "/run/cyrus/socket/hardening-probe"], namespacesOf: master)
        #expect(spool.status == 0, "ReadWritePaths= and RuntimeDirectory= are writable: \(spool.output)")
    }

    // MARK: Helpers

    /// Polls `read` every 50 ms until `until` holds or `timeout` passes; the last value read.
    static func poll<T>(timeout: Double, _ read: @escaping () -> T) -> Poll<T> { Poll(timeout: timeout, read: read) }

    struct Poll<T> {
        let timeout: Double
        let read: () -> T

        func until(_ done: (T) -> Bool) -> T {
            let end = MonotonicClock.now() + timeout
            var value = read()
            while !done(value) && MonotonicClock.now() < end {
                usleep(50_000)
                value = read()
            }
            return value
        }
    }
}
