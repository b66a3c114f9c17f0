/// How a program answers `--check-config SERVICE` for `minimaster --check`, so that the
/// master can report each program's own findings about its options without linking it.
///
/// Standard output starts with the line `check-config 1 <program>`, then one line per
/// finding: severity, file, line (`-` when none) and message, separated by tabs. The exit
/// status is 0 without errors and 78 (EX_CONFIG) with. Output that does not start with the
/// marker comes from a program that does not speak the protocol (Cyrus's own lmtpd, for one).
public enum CheckConfigProtocol {
    /// The first line's prefix.
    public static let marker = "check-config 1 "

    /// The whole output for `findings` of `program`.
    public static func render(program: String, _ findings: [ConfigDiagnostic]) -> String {
        var lines = [marker + program]
        for finding in findings {
            let fields = [finding.severity.rawValue, finding.file, finding.line.map(String.init) ?? "-", finding.message]
            lines.append(fields.map { $0.replacing("\t", with: " ").replacing("\n", with: " ") }.joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The findings in a program's output; nil when it does not speak the protocol.
    public static func parse(_ output: String) -> [ConfigDiagnostic]? {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, first.hasPrefix(marker) else { return nil }
        return lines.dropFirst().compactMap { line -> ConfigDiagnostic? in
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, let severity = ConfigDiagnostic.Severity(rawValue: String(fields[0])) else { return nil }
            return ConfigDiagnostic(file: String(fields[1]), line: Int(fields[2]), message: String(fields[3]), severity: severity)
        }
    }
}
