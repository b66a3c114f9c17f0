import ConfParse

/// When an EVENTS entry runs, from its `period=` and `at=` (`master/master.c: add_event()`).
public enum EventTiming: Sendable, Equatable, CustomStringConvertible {
    /// Neither key (or `period` 0 or less): once at startup, and again after each SIGHUP.
    case once
    /// `period=N`: at startup, after each SIGHUP, and N minutes after each run.
    case every(minutes: Int)
    /// `at=HHMM` (wins over `period`): daily at that local time, not at startup.
    case daily(TimeOfDay)

    public init(_ event: EventEntry) {
        if let at = event.at {
            self = .daily(at)
        } else if event.period > 0 {
            self = .every(minutes: event.period)
        } else {
            self = .once
        }
    }

    /// `once at startup`, `every 30 min`, `daily at 04:00`.
    public var description: String {
        switch self {
        case .once: return "once at startup"
        case .every(let minutes): return "every \(minutes) min"
        case .daily(let time): return "daily at \(time)"
        }
    }
}

/// What minimaster knows of one EVENTS entry (for `minimaster status`). Times are seconds
/// since 1970 (UTC).
public struct EventStatus: Sendable, Equatable {
    public let name: String
    public let command: [String]
    public let timing: EventTiming
    /// When its last run started (also one started before the last reload, for the same name
    /// and command); nil if it has not run.
    public let lastStarted: Double?
    /// How its last finished run ended; nil if none has finished.
    public let lastExit: ChildExit?
    /// The pid of the run still going, if any.
    public let runningPID: Int32?
    /// When it runs next; nil when it will not run again (a one-shot that ran).
    public let nextRun: Double?
}
