import ConfParse
import Testing
@testable import Master

@Suite("EVENTS schedule: period, at=, one-shot, runs still going, reloads (fake clock)")
struct EventScheduleTests {
    let zone = NamedZone("Europe/Berlin")

    /// The schedule of the EVENTS entries `body`, built at `now` (replacing `previous`).
    func makeSchedule(_ body: String, at now: Double, replacing previous: EventSchedule? = nil) throws -> EventSchedule {
        let events = try CyrusConf.parse("SERVICES {\n}\nEVENTS {\n\(body)\n}\n", path: "/test/cyrus.conf", mode: .cyrusCompatible).events
        return EventSchedule(events: events, now: now, zone: zone, previous: previous)
    }

    /// Everything due at `now`, started as pids from `firstPID` on; returns the actions.
    func runDue(_ schedule: inout EventSchedule, at now: Double, firstPID: Int32 = 100) -> [EventSchedule.Action] {
        var actions: [EventSchedule.Action] = []
        var pid = firstPID
        while let action = schedule.takeNextDue(now: now) {
            actions.append(action)
            if case .start(let index) = action {
                schedule.started(index, pid: pid, at: now)
                pid += 1
            }
        }
        return actions
    }

    @Test("period: first run at once, then N minutes after each run; a run still going is not started twice")
    func period() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var schedule = try makeSchedule("  checkpoint cmd=\"ctl_cyrusdb -c\" period=30", at: t0)
        #expect(schedule.nextRun == t0)
        #expect(runDue(&schedule, at: t0) == [.start(0)])
        #expect(schedule.nextRun == t0 + 1800)
        #expect(runDue(&schedule, at: t0 + 1799).isEmpty)
        // Due again while pid 100 still runs: skipped, and planned as if it had run.
        #expect(runDue(&schedule, at: t0 + 1800) == [.stillRunning(0, pid: 100, since: t0)])
        #expect(schedule.nextRun == t0 + 3600)
        #expect(schedule.exited(pid: 100, exit: .normal) == EventSchedule.Run(key: .init(name: "checkpoint", argv: ["ctl_cyrusdb", "-c"]), startedAt: t0))
        // A late loop: the next run is counted from the actual run, as in Cyrus.
        #expect(runDue(&schedule, at: t0 + 3700, firstPID: 200) == [.start(0)])
        #expect(schedule.nextRun == t0 + 3700 + 1800)
        #expect(schedule.exited(pid: 999, exit: .normal) == nil, "not a run of the schedule")
    }

    @Test("no period (or a negative one): one run at once, then never")
    func once() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var schedule = try makeSchedule("  once cmd=\"tls_prune\"\n  negative cmd=\"squatter\" period=-5", at: t0)
        #expect(runDue(&schedule, at: t0) == [.start(0), .start(1)])
        #expect(schedule.nextRun == nil)
        #expect(runDue(&schedule, at: t0 + 86_400 * 7).isEmpty)
    }

    @Test("at=HHMM: not at startup; daily at that local time; period is ignored")
    func daily() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var schedule = try makeSchedule("  expire cmd=\"cyr_expire -E 3\" at=0400 period=5", at: t0)
        #expect(runDue(&schedule, at: t0).isEmpty)
        let four = Double(berlin(2026, 6, 11, 4, 0))
        #expect(schedule.nextRun == four)
        #expect(runDue(&schedule, at: four - 1).isEmpty)
        #expect(runDue(&schedule, at: four) == [.start(0)])
        #expect(schedule.nextRun == Double(berlin(2026, 6, 12, 4, 0)))
    }

    @Test("at=0230 over the spring-forward night runs once, at 03:00 CEST")
    func dailyAcrossSpringForward() throws {
        let saturday = Double(utc(2026, 3, 28, 1, 30))   // 02:30 CET
        var schedule = try makeSchedule("  nightly cmd=\"squatter\" at=0230", at: saturday - 60)
        #expect(runDue(&schedule, at: saturday) == [.start(0)])
        _ = schedule.exited(pid: 100, exit: .normal)
        let sunday = Double(utc(2026, 3, 29, 1, 0))      // 03:00 CEST
        #expect(schedule.nextRun == sunday)
        #expect(runDue(&schedule, at: sunday) == [.start(0)])
        #expect(schedule.nextRun == Double(utc(2026, 3, 30, 0, 30)))
    }

    @Test("several due at once: earliest planned first, ties in file order")
    func order() throws {
        let t0 = Double(berlin(2026, 6, 10, 3, 59))
        var schedule = try makeSchedule("""
              daily cmd="a" at=0400
              first cmd="b" period=1
              second cmd="c" period=1
            """, at: t0)
        #expect(runDue(&schedule, at: t0) == [.start(1), .start(2)])
        _ = schedule.exited(pid: 100, exit: .normal)
        _ = schedule.exited(pid: 101, exit: .normal)
        // At 04:00 all three are due: the daily one was planned for 04:00, the others for 04:00 too.
        #expect(runDue(&schedule, at: t0 + 60) == [.start(0), .start(1), .start(2)])
    }

    @Test("two identical entries due together: the second is the first one still running")
    func identicalEntries() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var schedule = try makeSchedule("  twin cmd=\"x\" period=5\n  twin cmd=\"x\" period=5", at: t0)
        #expect(runDue(&schedule, at: t0) == [.start(0), .stillRunning(1, pid: 100, since: t0)])
    }

    @Test("a reload starts over from the new entries and keeps what the same name and command did")
    func reload() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var old = try makeSchedule("""
              checkpoint cmd="ctl_cyrusdb -c" period=30
              gone cmd="sleepy" period=30
              changed cmd="old-command" period=30
            """, at: t0)
        #expect(runDue(&old, at: t0) == [.start(0), .start(1), .start(2)])
        _ = old.exited(pid: 100, exit: .exited(3))
        _ = old.exited(pid: 102, exit: .normal)
        let t1 = t0 + 600
        var new = try makeSchedule("""
              checkpoint cmd="ctl_cyrusdb -c" period=30
              changed cmd="new-command" period=30
              nightly cmd="squatter" at=0400
            """, at: t1, replacing: old)
        // Period entries run again at once after the reload; the daily one waits for 04:00.
        #expect(new.nextRun == t1)
        let status = new.statuses
        #expect(status.map(\.name) == ["checkpoint", "changed", "nightly"])
        #expect(status[0].lastStarted == t0 && status[0].lastExit == .exited(3) && status[0].nextRun == t1)
        #expect(status[1].lastStarted == nil && status[1].lastExit == nil, "a changed command is a new entry")
        #expect(status[2].timing == .daily(TimeOfDay(hhmm: 400)!) && status[2].nextRun == Double(berlin(2026, 6, 11, 4, 0)))
        // The removed entry's run still going is known until it ends.
        #expect(new.running[101]?.key.name == "gone")
        #expect(new.exited(pid: 101, exit: .signaled(15, coreDumped: false))?.key.name == "gone")
        #expect(new.history[.init(name: "gone", argv: ["sleepy"])] == nil)
    }

    @Test("statuses: last start, last exit, the run going on, the next run")
    func statuses() throws {
        let t0 = Double(berlin(2026, 6, 10, 12, 0))
        var schedule = try makeSchedule("  checkpoint cmd=\"ctl_cyrusdb -c\" period=5", at: t0)
        #expect(schedule.statuses == [EventStatus(name: "checkpoint", command: ["ctl_cyrusdb", "-c"], timing: .every(minutes: 5),
                                                  lastStarted: nil, lastExit: nil, runningPID: nil, nextRun: t0)])
        _ = runDue(&schedule, at: t0)
        #expect(schedule.statuses.first?.runningPID == 100)
        _ = schedule.exited(pid: 100, exit: .killed)
        let done = try #require(schedule.statuses.first)
        #expect(done.runningPID == nil && done.lastExit == .killed && done.lastStarted == t0 && done.nextRun == t0 + 300)
        #expect(done.timing.description == "every 5 min")
    }
}
