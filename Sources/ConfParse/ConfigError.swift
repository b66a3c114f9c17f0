/// One finding about a configuration file: where it is and what is wrong.
///
/// `description` is `<path>:<line>: <message>` for errors and
/// `<path>:<line>: warning: <message>` for warnings; without a line number the
/// `:<line>` part is left out (e.g. a file that cannot be opened).
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Sendable, Hashable {
        /// The configuration cannot be used.
        case error
        /// The configuration is usable; something looks unintended.
        case warning
    }

    /// The file the finding is about, as it was named to the parser.
    public var file: String
    /// 1-based physical line number, or `nil` when the finding is about the whole file.
    public var line: Int?
    /// Human-readable reason, without the location prefix.
    public var message: String
    /// Error or warning.
    public var severity: Severity

    /// Creates a finding.
    public init(file: String, line: Int?, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        switch severity {
        case .error: return "\(location): \(message)"
        case .warning: return "\(location): warning: \(message)"
        }
    }
}

/// A configuration file that cannot be used, with every error found in it.
///
/// `description` lists the errors one per line, each as `<path>:<line>: <message>`.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The errors in reading order: grouped by file (in the order the files' first errors
    /// were found), by line within a file. Never empty.
    public var diagnostics: [ConfigDiagnostic]

    /// Creates an error from one or more diagnostics (their severity is forced to `.error`).
    public init(_ diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics.map { var d = $0; d.severity = .error; return d }
    }

    /// Creates an error with a single diagnostic.
    public init(file: String, line: Int?, message: String) {
        self.init([ConfigDiagnostic(file: file, line: line, message: message)])
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects findings while a file is read.
struct DiagnosticCollector {
    private(set) var errors: [ConfigDiagnostic] = []
    private(set) var warnings: [ConfigDiagnostic] = []

    mutating func error(_ file: String, _ line: Int?, _ message: String) {
        errors.append(ConfigDiagnostic(file: file, line: line, message: message, severity: .error))
    }

    mutating func warning(_ file: String, _ line: Int?, _ message: String) {
        warnings.append(ConfigDiagnostic(file: file, line: line, message: message, severity: .warning))
    }

    /// Records an error, or a warning when `asWarning` is set.
    mutating func report(_ file: String, _ line: Int?, _ message: String, asWarning: Bool) {
        if asWarning { warning(file, line, message) } else { error(file, line, message) }
    }

    mutating func append(contentsOf other: DiagnosticCollector) {
        errors += other.errors
        warnings += other.warnings
    }

    /// Throws the collected errors (sorted by line) if there are any.
    func throwIfErrors() throws(ConfigError) {
        if !errors.isEmpty { throw ConfigError(Self.sorted(errors)) }
    }

    /// Warnings sorted by file and line.
    var sortedWarnings: [ConfigDiagnostic] { Self.sorted(warnings) }

    static func sorted(_ list: [ConfigDiagnostic]) -> [ConfigDiagnostic] {
        // Stable: keeps discovery order within one line; files keep first-seen order.
        var fileOrder: [String: Int] = [:]
        for d in list where fileOrder[d.file] == nil { fileOrder[d.file] = fileOrder.count }
        return list.enumerated().sorted { a, b in
            let fa = fileOrder[a.element.file] ?? 0, fb = fileOrder[b.element.file] ?? 0
            if fa != fb { return fa < fb }
            let la = a.element.line ?? 0, lb = b.element.line ?? 0
            if la != lb { return la < lb }
            return a.offset < b.offset
        }.map(\.element)
    }
}
