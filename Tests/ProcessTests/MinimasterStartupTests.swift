import Foundation
import Glibc
import Testing

/// Startup: configuration errors, START, pidfile, daemon mode, wait=y daemons.
@Suite("minimaster: startup")
struct MinimasterStartupTests {
    @Test("a bad cyrus.conf exits 78 with file:line and the reason on standard error")
    func badConfiguration() throws {
        let h = try MasterHarness("badconf")
        try "SERVICES {\n  echo cmd=\"x\" listen=\"/tmp/x\"\n  this is not a service entry\n}\n"
            .write(toFile: h.cyrusConf, atomically: true, encoding: .utf8)
        let child = try ChildProcess(path: TestPaths.executable("minimaster"), arguments: ["-M", h.cyrusConf, "-C", h.imapdConf])
        let stderr = child.readError(timeout: 10)
        #expect(child.wait() == 78)
        #expect(stderr.contains("\(h.cyrusConf):3: "), "stderr: \(stderr)")
    }

    @Test("a program that does not exist exits 78: cannot find executable for service")
    func missingExecutable() throws {
        let h = try MasterHarness("noexe")
        try h.writeConf(services: "  ghost cmd=\"no-such-program-anywhere -x\" listen=\"\(h.socket("ghost"))\"")
        let child = try ChildProcess(path: TestPaths.executable("minimaster"), arguments: ["-M", h.cyrusConf, "-C", h.imapdConf])
        let stderr = child.readError(timeout: 10)
        #expect(child.wait() == 78)
        #expect(stderr.contains("cannot find executable for service 'ghost'"), "stderr: \(stderr)")
    }

    @Test("START entries run to completion, in order, after binding and before any service child starts")
    func startEntries() throws {
        let h = try MasterHarness("start")
        let marker = h.bed.root.appendingPathComponent("started").path
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=1",
                        extra: "START {\n  first cmd=\"/bin/sleep 0.3\"\n  second cmd=\"/usr/bin/touch \(marker)\"\n}\n")
        try h.start()
        defer { h.stop() }
        let lines = h.log().split(separator: "\n").map(String.init)
        let first = lines.firstIndex { $0.contains("START entry first pid") && $0.contains("exited normally") }
        let second = lines.firstIndex { $0.contains("START entry second pid") && $0.contains("exited normally") }
        let bound = lines.firstIndex { $0.contains("service echo/unix listening") }
        let child = lines.firstIndex { $0.contains("service echo/unix pid") && $0.contains("started") }
        #expect(first != nil && second != nil && bound != nil && child != nil)
        // Bound first (as root, privileged ports included), then START as the service user.
        if let first, let second, let bound, let child { #expect(bound < first && first < second && second < child) }
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test("a failing START entry is fatal: can't run startup, exit 1")
    func failingStart() throws {
        let h = try MasterHarness("startfail")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\"",
                        extra: "START {\n  broken cmd=\"/bin/false\"\n}\n")
        try h.start(waitForReady: false)
        #expect(h.waitExit() == 1)
        #expect(h.log().contains("can't run startup"))
        #expect(!h.log().contains("service echo/unix pid"), "no service child may start")
    }

    @Test("the pidfile is locked: a second minimaster on it exits 71")
    func pidfileLock() throws {
        let h = try MasterHarness("pidfile")
        let pidfile = h.bed.root.appendingPathComponent("master.pid").path
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\"")
        try h.start(["-p", pidfile])
        defer { h.stop() }
        #expect((try? String(contentsOfFile: pidfile, encoding: .utf8)) == "\(h.pid)\n")
        let second = try MasterHarness.spawn([TestPaths.executable("minimaster"), "-M", h.cyrusConf, "-C", h.imapdConf,
                                              "-L", h.logPath, "-p", pidfile])
        var status: Int32 = 0
        #expect(waitUntil(timeout: 10) { waitpid(second, &status, WNOHANG) == second })
        #expect((status >> 8) & 0xff == 71)
        #expect(h.log().contains("cannot get exclusive lock on pidfile (is another master still running?)"))
        #expect(MasterClient.echoSession(.unix(h.socket("echo"))) != nil)
    }

    @Test("-d: the starting process exits 0 once the services are up; the daemon writes the pidfile")
    func daemonMode() throws {
        let h = try MasterHarness("daemon")
        let pidfile = h.bed.root.appendingPathComponent("master.pid").path
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=1")
        try h.start(["-d", "-p", pidfile], waitForReady: false)
        #expect(h.waitExit(timeout: 15) == 0)
        let text = (try? String(contentsOfFile: pidfile, encoding: .utf8)) ?? ""
        guard let daemon = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), daemon != h.pid else {
            Issue.record("pidfile holds \(text.debugDescription)")
            return
        }
        // Bound before the parent exited: no waiting needed.
        #expect(MasterClient.echoSession(.unix(h.socket("echo"))) != nil)
        let children = processChildren(of: daemon)
        #expect(!children.isEmpty)
        kill(daemon, SIGTERM)
        #expect(waitUntil(timeout: 15) { !isRunning(daemon) })
        #expect(waitUntil(timeout: 5) { !children.contains(where: isRunning) })
        #expect(h.log().contains("All children have exited, closing down"))
    }

    @Test("wait=y daemons must say ok on fd 3 before services start; a wrong answer is fatal")
    func waitDaemon() throws {
        let h = try MasterHarness("waitd")
        let good = h.bed.root.appendingPathComponent("good.sh").path
        let bad = h.bed.root.appendingPathComponent("bad.sh").path
        try "#!/bin/sh\nprintf 'ok\\r\\n' >&3\nexec 3>&-\nexec sleep 30\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho nope >&3\nexec sleep 30\n".write(toFile: bad, atomically: true, encoding: .utf8)
        // Run through /bin/sh: exec'ing a file just written can fail with ETXTBSY while a
        // concurrent fork in another test briefly holds the writable descriptor.
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=1",
                        extra: "DAEMON {\n  waiter cmd=\"/bin/sh \(good)\" wait=y\n}\n")
        try h.start()
        let lines = h.log().split(separator: "\n")
        let ready = lines.firstIndex { $0.contains("daemon waiter/daemon reported ready") }
        let echoStarted = lines.firstIndex { $0.contains("service echo/unix pid") }
        #expect(ready != nil)
        if let ready, let echoStarted { #expect(ready < echoStarted) }
        #expect(h.stop() == 0)

        let h2 = try MasterHarness("waitdbad")
        try h2.writeConf(services: "  echo cmd=\"\(h2.echo())\" listen=\"\(h2.socket("echo"))\"",
                         extra: "DAEMON {\n  waiter cmd=\"/bin/sh \(bad)\" wait=y\n}\n")
        try h2.start(waitForReady: false)
        #expect(h2.waitExit() == 71)
        #expect(h2.log().contains("did not report ready"))
    }
}

/// Alive and not a zombie.
func isRunning(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
    let text = String(decoding: data, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return false }
    return text[text.index(after: close)...].dropFirst().first != "Z"
}
