import Glibc
import Logging

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
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
        }
    }
}
