import ConfParse

/// When each EVENTS entry runs (Cyrus's `schedule`, `master/master.c: add_event()`,
/// `spawn_schedule()`), as pure bookkeeping: the caller passes the wall-clock time (seconds
/// since 1970), starts what ``takeNextDue(now:)`` returns, and reports each start and exit.
///
/// - `period=N` (N > 0): a first run at once, then N minutes after each run (after the run,
///   not after the planned time, as in Cyrus: a late loop moves the following runs).
/// - `at=HHMM`: daily at that local time (``DailyTime``); the first run is the next HH:MM, not
///   at startup.
/// - neither: one run, at once.
///
/// A schedule is built at startup and again on every SIGHUP (from the new configuration, so
/// `period` and one-shot entries run again at once). An entry with the same name and command
/// as before keeps what it did: its last run, its exit, a run still going. An entry whose
/// previous run is still going when it is due is not started again (Cyrus would start a
/// second copy); its next run is planned as if it had run.
struct EventSchedule {
    /// An entry's identity across reloads: its name and command.
    struct Key: Hashable {
        var name: String
        var argv: [String]
    }

    struct Entry {
        let event: EventEntry
        let timing: EventTiming
        /// nil: not again (a one-shot that ran).
        var nextRun: Double?

        var key: Key { Key(name: event.name, argv: event.argv) }
    }

    /// What the entries of one key did.
    struct History: Equatable {
        var lastStarted: Double?
        var lastExit: ChildExit?
    }

    /// A run not yet reaped.
    struct Run: Equatable {
        var key: Key
        var startedAt: Double
    }

    /// What to do about the entry at an index that is due.
    enum Action: Equatable {
        case start(Int)
        /// Its previous run (`pid`, started at `since`) is still going.
        case stillRunning(Int, pid: Int32, since: Double)
    }

    private(set) var entries: [Entry]
    private(set) var history: [Key: History]
    /// Runs not yet reaped, by pid (also those of entries a reload removed).
    private(set) var running: [Int32: Run]
    let zone: any UTCOffsets

    /// The schedule of `events` built at `now`; `previous` is the schedule it replaces (reload).
    init(events: [EventEntry], now: Double, zone: any UTCOffsets, previous: EventSchedule? = nil) {
        self.zone = zone
        entries = events.map { event in
            let timing = EventTiming(event)
            let first: Double
            if case .daily(let time) = timing {
                first = Double(DailyTime(time: time, zone: zone).first(atOrAfter: now))
            } else {
                first = now
            }
            return Entry(event: event, timing: timing, nextRun: first)
        }
        running = previous?.running ?? [:]
        let wanted = Set(entries.map(\.key)).union(running.values.map(\.key))
        history = (previous?.history ?? [:]).filter { wanted.contains($0.key) }
    }

    /// The earliest planned run, if any.
    var nextRun: Double? {
        entries.compactMap(\.nextRun).min()
    }

    /// The earliest entry due at `now` (ties in file order), with its following run planned;
    /// nil when nothing is due.
    mutating func takeNextDue(now: Double) -> Action? {
        var chosen: Int?
        for index in entries.indices {
            guard let run = entries[index].nextRun, run <= now else { continue }
            if let best = chosen, let bestRun = entries[best].nextRun, bestRun <= run { continue }
            chosen = index
        }
        guard let index = chosen else { return nil }
        entries[index].nextRun = following(entries[index].timing, after: now)
        let key = entries[index].key
        if let (pid, run) = running.first(where: { $0.value.key == key }) {
            return .stillRunning(index, pid: pid, since: run.startedAt)
        }
        return .start(index)
    }

    /// The entry at `index` was started as `pid` at `now`.
    mutating func started(_ index: Int, pid: Int32, at now: Double) {
        let key = entries[index].key
        running[pid] = Run(key: key, startedAt: now)
        history[key, default: History()].lastStarted = now
    }

    /// A child ended: when it was a run of this schedule, what it was.
    mutating func exited(pid: Int32, exit: ChildExit) -> Run? {
        guard let run = running.removeValue(forKey: pid) else { return nil }
        if entries.contains(where: { $0.key == run.key }) {
            history[run.key, default: History()].lastExit = exit
        } else if !running.values.contains(where: { $0.key == run.key }) {
            history[run.key] = nil
        }
        return run
    }

    /// Every entry, in file order, with what it did and when it runs next.
    var statuses: [EventStatus] {
        entries.map { entry in
            let done = history[entry.key]
            let pid = running.first { $0.value.key == entry.key }?.key
            return EventStatus(name: entry.event.name, command: entry.event.argv, timing: entry.timing,
                               lastStarted: done?.lastStarted, lastExit: done?.lastExit, runningPID: pid,
                               nextRun: entry.nextRun)
        }
    }

    /// The run after one at `now`.
    private func following(_ timing: EventTiming, after now: Double) -> Double? {
        switch timing {
        case .once: return nil
        case .every(let minutes): return now + Double(minutes) * 60
        case .daily(let time): return Double(DailyTime(time: time, zone: zone).next(after: now))
        }
    }
}
