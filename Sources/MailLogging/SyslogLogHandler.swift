import Glibc
import Logging

/// A swift-log handler that writes to syslog(3) in the mail facility, the way Cyrus's programs
/// log. Metadata is appended as `key=value` pairs.
public struct SyslogLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level

    /// A handler at `level`; call `openSyslog(ident:)` once per process first.
    public init(level: Logger.Level) {
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let text = LogLine.render(event.message, metadata: metadata, extra: event.metadata)
        let priority = Self.priority(event.level)
        text.withCString { line in
            withVaList([line]) { vsyslog(priority, "%s", $0) }
        }
    }

    static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: return LOG_DEBUG
        case .info: return LOG_INFO
        case .notice: return LOG_NOTICE
        case .warning: return LOG_WARNING
        case .error: return LOG_ERR
        case .critical: return LOG_CRIT
        }
    }

    /// openlog keeps the pointer it is given: the ident must live as long as the process
    /// (a previous one is deliberately never freed).
    nonisolated(unsafe) private static var identStorage: UnsafeMutablePointer<CChar>?

    /// Opens the process's syslog connection in the mail facility, with `ident` and the pid.
    public static func openSyslog(ident: String) {
        identStorage = strdup(ident)
        openlog(identStorage, LOG_PID | LOG_NDELAY, LOG_MAIL)
    }
}
