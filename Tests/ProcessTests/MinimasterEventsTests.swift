import Foundation
import Glibc
import Testing

/// EVENTS under a real minimaster: the first run at startup, again after SIGHUP, a run still
/// going not started twice, exit statuses logged, Debian's ctl_cyrusdb as Cyrus runs it.
/// (`at=` timing, daylight saving time included, is unit-tested with a fake clock.)
@Suite("minimaster: EVENTS")
struct MinimasterEventsTests {
    static let ctlCyrusdb = "/usr/lib/cyrus/bin/ctl_cyrusdb"

    /// Writes an executable shell script into the testbed; returns its path.
    func script(_ h: MasterHarness, _ name: String, _ body: String) throws -> String {
        let path = h.bed.root.appendingPathComponent(name).path
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// The lines of a file (none when it does not exist).
    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// `HHMM` of the local time twelve hours from now: never reached while a test runs.
    func farLocalTime() -> (hhmm: String, shown: String) {
        let parts = Calendar.current.dateComponents([.hour, .minute], from: Date().addingTimeInterval(12 * 3600))
        let (hour, minute) = (parts.hour ?? 0, parts.minute ?? 0)
        return (String(format: "%02d%02d", hour, minute), String(format: "%02d:%02d", hour, minute))
    }

    @Test("period and one-shot entries run at startup and again after SIGHUP, as master runs START entries; at= waits for its time")
    func runsAtStartupAndReload() throws {
        let h = try MasterHarness("events")
        let out = h.bed.root.appendingPathComponent("events.out").path
        // Who runs it, with which service name, and whether fds 3/4 are open.
        let tick = try script(h, "tick.sh", """
            fds=""; for fd in 3 4; do [ -e /proc/$$/fd/$fd ] && fds="$fds$fd"; done
            echo "$1 $(id -un) ${CYRUS_SERVICE:-none} fds:${fds:-none}" >> "$2"
            """)
        let far = farLocalTime()
        try h.writeConf(services: "", extra: """
            EVENTS {
              tick cmd="\(tick) tick \(out)" period=60
              once cmd="\(tick) once \(out)"
              daily cmd="\(tick) daily \(out)" at=\(far.hhmm)
              fails cmd="/bin/false"
            }
            """)
        try h.start()
        defer { h.stop() }
        #expect(waitUntil(timeout: 10) { lines(out).count >= 2 }, "log:\n\(h.log())")
        #expect(h.waitForLog("event fails pid"))
        #expect(h.waitForLog("exited, status 1"))
        let user = ServiceUserHandover.dropsPrivileges ? ServiceUserHandover.user : String(cString: getpwuid(geteuid()).pointee.pw_name)
        #expect(Set(lines(out)) == ["tick \(user) none fds:none", "once \(user) none fds:none"])
        #expect(h.logLines(containing: "event tick pid").contains { $0.hasSuffix("exited normally") })
        #expect(h.logLines(containing: "event fails pid").contains { $0.contains(": error: ") && $0.contains("exited, status 1") })
        #expect(h.log().contains("event daily scheduled daily at \(far.shown), next run"))
        #expect(h.log().contains("event tick scheduled every 60 min, first run now"))

        h.signal(SIGHUP)
        #expect(waitUntil(timeout: 10) { lines(out).count >= 4 }, "log:\n\(h.log())")
        #expect(h.waitForLog("event fails pid", count: 4), "fails: one start and one exit line per run")
        usleep(200_000)
        let after = lines(out)
        #expect(after.filter { $0.hasPrefix("tick ") }.count == 2)
        #expect(after.filter { $0.hasPrefix("once ") }.count == 2)
        #expect(!after.contains { $0.hasPrefix("daily ") }, "at= must not run at startup or reload")
    }

    @Test("an event still running when due again is not started twice; at shutdown it is stopped")
    func stillRunning() throws {
        let h = try MasterHarness("eventbusy")
        let out = h.bed.root.appendingPathComponent("sleeper.out").path
        let sleeper = try script(h, "sleeper.sh", "echo started >> \"$1\"\nexec sleep 60")
        try h.writeConf(services: "", extra: "EVENTS {\n  sleeper cmd=\"\(sleeper) \(out)\" period=1\n}\n")
        try h.start()
        #expect(waitUntil(timeout: 10) { lines(out).count == 1 }, "log:\n\(h.log())")
        // The run can write its line before minimaster's start line reaches the log.
        #expect(h.waitForLog("event sleeper pid"), "log:\n\(h.log())")
        let pidText = h.logLines(containing: "event sleeper pid").first?.split(separator: " ").drop { $0 != "pid" }.dropFirst().first
        let pid = try #require(pidText.flatMap { pid_t($0) })

        // The reload makes it due at once: its run is still going, so none is started.
        h.signal(SIGHUP)
        #expect(h.waitForLog("event sleeper pid \(pid) still running"), "log:\n\(h.log())")
        usleep(300_000)
        #expect(lines(out).count == 1)
        #expect(h.logLines(containing: "event sleeper pid").filter { $0.contains("started:") }.count == 1)

        // Shutdown: the run gets SIGTERM like any child; minimaster does not wait out the drain.
        let begin = Date()
        #expect(h.stop() == 0)
        #expect(Date().timeIntervalSince(begin) < 8, "took \(Date().timeIntervalSince(begin)) s")
        let ended = h.logLines(containing: "event sleeper pid \(pid) signaled to death by signal 15")
        #expect(ended.count == 1 && ended.allSatisfy { $0.contains(": info: ") }, "stopped by the shutdown: not an error")
        #expect(kill(pid, 0) != 0, "the event's process must be gone")
    }

    @Test("Debian's ctl_cyrusdb -c checkpoints a Cyrus configdirectory as an EVENTS entry, exit 0")
    func ctlCyrusdbCheckpoint() throws {
        try #require(access(Self.ctlCyrusdb, X_OK) == 0, "ctl_cyrusdb missing: run scripts/setup-deps (package cyrus-common)")
        let h = try MasterHarness("ctlcyrusdb")
        try h.writeConf(services: "", extra: """
            EVENTS {
              checkpoint cmd="\(Self.ctlCyrusdb) -C \(h.imapdConf) -c" period=30
            }
            """)
        try h.start()
        defer { h.stop() }
        #expect(h.waitForLog("event checkpoint pid", count: 2, timeout: 20), "log:\n\(h.log())")
        let exit = h.logLines(containing: "event checkpoint pid").last ?? ""
        #expect(exit.hasSuffix("exited normally"), "log:\n\(h.log())")
        // What a checkpoint leaves in the configdirectory: the archive of the databases.
        let backup = h.bed.root.appendingPathComponent("conf/db.backup1").path
        #expect(FileManager.default.fileExists(atPath: backup))
    }
}
