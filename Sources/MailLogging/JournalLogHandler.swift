import Logging

/// A swift-log handler that writes structured entries to the systemd journal (its native
/// protocol, ``JournalSocket``): `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `SYSLOG_FACILITY=2` (mail),
/// and each metadata key as an upper-case field (`session` → `SESSION=`), so that
/// `journalctl SESSION=<id>` finds one LMTP session.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let identifier: String

    public init(identifier: String, level: Logger.Level) {
        self.identifier = identifier
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", LogLine.render(event.message, metadata: merged, extra: nil)),
            ("PRIORITY", "\(SyslogLogHandler.priority(event.level))"),
            ("SYSLOG_IDENTIFIER", identifier),
            ("SYSLOG_FACILITY", "2"),
        ]
        for (key, value) in merged {
            let name = Self.fieldName(key)
            if !name.isEmpty { fields.append((name, "\(value)")) }
        }
        JournalSocket.send(fields)
    }

    /// Journal field names: upper-case ASCII letters, digits and `_`, not starting with `_`
    /// or a digit. A key that would land on a field the journal gives a meaning to
    /// (`message-id` → `MESSAGE_ID`, a catalog id) gets a `MAIL_` prefix instead.
    static func fieldName(_ key: String) -> String {
        let mapped = key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        let name = String(String(mapped).drop { $0 == "_" || $0.isNumber }.prefix(64))
        return reservedFields.contains(name) ? String(("MAIL_" + name).prefix(64)) : name
    }

    /// Fields with a meaning in systemd.journal-fields(7), and the ones this handler writes.
    static let reservedFields: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO",
        "INVOCATION_ID", "USER_INVOCATION_ID", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "SYSLOG_RAW", "DOCUMENTATION", "TID", "UNIT", "USER_UNIT",
    ]
}
