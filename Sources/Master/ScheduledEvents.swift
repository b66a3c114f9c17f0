import ConfParse
import Logging
import POSIXCore

/// EVENTS at run time: starts what the ``EventSchedule`` says is due, as ``CommandSpawn``
/// starts START commands but without waiting for them (Cyrus's `spawn_schedule()`), logs each
/// exit with its status, and as an ``EventSource`` wakes the loop when the next one is due.
/// The program of `cmd=` is looked up at each run, as Cyrus does (one that is missing is
/// logged, and the entry tried again when it is next due).
///
/// The schedule runs on the wall clock (`at=` is a time of day); each turn its next run is
/// handed to the loop on the monotonic clock, so a clock change is seen within a turn (at most
/// a minute).
final class ScheduledEvents: EventSource {
    private(set) var schedule: EventSchedule
    private let lookup: ExecutableLookup
    private let environment: CStringArray
    private let logger: Logger
    private let zone: any UTCOffsets
    /// Shutting down: nothing more is started.
    private(set) var isStopped = false

    /// No entries until ``load(_:now:)``; `environment` is what every run gets.
    init(lookup: ExecutableLookup, environment: [String], logger: Logger, zone: any UTCOffsets = SystemTimeZone()) {
        self.lookup = lookup
        self.environment = CStringArray(environment)
        self.logger = logger
        self.zone = zone
        schedule = EventSchedule(events: [], now: 0, zone: zone)
    }

    /// Seconds since 1970, now.
    static func wallClock() -> Double {
        let now = RealtimeClock.now()
        return Double(now.seconds) + Double(now.microseconds) / 1_000_000
    }

    /// A new schedule from `events` (startup, and every SIGHUP): `period` and one-shot
    /// entries are due at once. Each entry's timing is logged.
    func load(_ events: [EventEntry], now: Double = wallClock()) {
        schedule = EventSchedule(events: events, now: now, zone: zone, previous: schedule)
        for entry in schedule.entries {
            let next = entry.nextRun ?? now
            let first = next <= now ? "first run now" : "next run \(SystemTimeZone.format(next))"
            logger.info("event \(entry.event.name) scheduled \(entry.timing), \(first): \(entry.event.argv.joined(separator: " "))")
        }
    }

    /// Starts every entry due at `now`, earliest first.
    func runDue(now: Double = wallClock()) {
        guard !isStopped else { return }
        while let action = schedule.takeNextDue(now: now) {
            switch action {
            case .start(let index):
                start(index, now: now)
            case .stillRunning(let index, let pid, let since):
                let name = schedule.entries[index].event.name
                logger.notice("event \(name) pid \(pid) still running (started \(seconds((now - since).rounded())) ago): not started again")
            }
        }
    }

    /// When `pid` was a run of an event: logs how it ended (a failure as an error, unless
    /// shutting down) and returns true.
    func exited(pid: Int32, exit: ChildExit) -> Bool {
        guard let run = schedule.exited(pid: pid, exit: exit) else { return false }
        let line = "event \(run.key.name) pid \(pid) \(exit.text)"
        if exit.isFailure && !isStopped { logger.error("\(line)") } else { logger.info("\(line)") }
        return true
    }

    /// Shutdown: nothing more is started; returns the runs still going (to be sent SIGTERM).
    func stop() -> [Int32] {
        isStopped = true
        return runningPIDs
    }

    /// The runs not yet reaped.
    var runningPIDs: [Int32] { Array(schedule.running.keys) }

    /// Every entry, in file order: last run, exit, next run.
    var statuses: [EventStatus] { schedule.statuses }

    func register(in wait: EventWait, now: Double) {
        guard !isStopped, let next = schedule.nextRun else { return }
        wait.wake(at: now + max(0, next - Self.wallClock()), for: self)
    }

    private func start(_ index: Int, now: Double) {
        let event = schedule.entries[index].event
        guard let program = event.argv.first, let executable = lookup.resolve(program) else {
            logger.error("event \(event.name): cannot find executable \(event.argv.first ?? "(none)"): not run")
            return
        }
        switch CommandSpawn.start(executable: executable, argv: event.argv, environment: environment) {
        case .success(let pid):
            schedule.started(index, pid: pid, at: now)
            logger.info("event \(event.name) pid \(pid) started: \(event.argv.joined(separator: " "))")
        case .failure(let error):
            logger.error("can't fork process to run event \(event.name): \(error.text)")
        }
    }
}
