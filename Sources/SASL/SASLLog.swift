import CSASL

/// libsasl2's log levels (`SASL_LOG_*`), least verbose first.
public enum SASLLogLevel: Int32, Sendable, Comparable {
    case error = 1, failure, warning, note, debug, trace, password

    public static func < (a: SASLLogLevel, b: SASLLogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Where libsasl2's own messages go (the plugins explain failures there: "Password
/// verification failed", "no secret in database"...). `.password` messages, which may contain
/// passwords, are never passed on.
public typealias SASLLogHandler = @Sendable (SASLLogLevel, String) -> Void

/// The log callback's context: the handler, kept alive for the process.
final class LogSink: @unchecked Sendable {
    let handler: SASLLogHandler

    init(_ handler: @escaping SASLLogHandler) {
        self.handler = handler
    }
}

/// libsasl's log callback: `context` is an unretained `LogSink`.
func saslLog(context: UnsafeMutableRawPointer?, level: Int32, message: UnsafePointer<CChar>?) -> Int32 {
    guard let context, let message, let level = SASLLogLevel(rawValue: level), level < .password else { return SASL_OK }
    Unmanaged<LogSink>.fromOpaque(context).takeUnretainedValue().handler(level, String(cString: message))
    return SASL_OK
}
