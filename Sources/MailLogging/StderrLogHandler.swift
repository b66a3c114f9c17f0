import Glibc
import Logging
import POSIXCore

/// A swift-log handler that writes one line per event to standard error:
/// `<ident>[<pid>]: <level>: <message> key=value ...`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let prefix: String

    public init(ident: String, level: Logger.Level) {
        self.logLevel = level
        self.prefix = "\(ident)[\(getpid())]: "
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let text = prefix + "\(event.level): " + LogLine.render(event.message, metadata: metadata, extra: event.metadata) + "\n"
        _ = try? writeAll(2, text)
    }
}
