import Logging

/// One place that decides where a program's log lines go.
public enum MailLog {
    /// Where log lines are written.
    public struct Destinations: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// syslog(3), mail facility.
        public static let syslog = Destinations(rawValue: 1)
        /// Standard error, one line per event.
        public static let stderr = Destinations(rawValue: 2)
        /// The systemd journal, structured (use when `JournalStream` says stderr is the journal).
        public static let journal = Destinations(rawValue: 4)
    }

    /// The rule every program of this package follows: under systemd, when standard error is
    /// the journal stream, the journal alone (structured, with priority and
    /// `SYSLOG_IDENTIFIER`; syslog would only add a copy); otherwise syslog's mail facility,
    /// plus standard error when `alsoStandardError` (foreground, `-L`, `--log-to-stderr`).
    public static func destinations(alsoStandardError: Bool,
                                    standardErrorIsJournal: Bool = JournalStream.standardErrorIsJournal()) -> Destinations {
        if standardErrorIsJournal { return .journal }
        return alsoStandardError ? [.syslog, .stderr] : .syslog
    }

    /// Installs the process-wide swift-log backend. Call once, early in `main`.
    public static func bootstrap(ident: String, level: Logger.Level, to destinations: Destinations) {
        if destinations.contains(.syslog) { SyslogLogHandler.openSyslog(ident: ident) }
        LoggingSystem.bootstrap { _ in
            var handlers: [LogHandler] = []
            if destinations.contains(.syslog) { handlers.append(SyslogLogHandler(level: level)) }
            if destinations.contains(.stderr) { handlers.append(StderrLogHandler(ident: ident, level: level)) }
            if destinations.contains(.journal) { handlers.append(JournalLogHandler(identifier: ident, level: level)) }
            switch handlers.count {
            case 0: return SwiftLogNoOpLogHandler()
            case 1: return handlers[0]
            default: return MultiplexLogHandler(handlers)
            }
        }
    }
}
