import Logging

/// Renders a log message and its metadata as one line: `message key=value key=value`,
/// keys sorted so that lines are stable and greppable.
enum LogLine {
    static func render(_ message: Logger.Message, metadata: Logger.Metadata, extra: Logger.Metadata?) -> String {
        var merged = metadata
        if let extra { merged.merge(extra) { _, new in new } }
        guard !merged.isEmpty else { return message.description }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return message.description + " " + pairs.joined(separator: " ")
    }
}
