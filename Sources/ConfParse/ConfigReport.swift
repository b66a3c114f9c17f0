/// What `minimaster --check` prints and how it exits.
public struct ConfigCheckResult: Sendable {
    /// For standard output: what would run (empty when there are errors).
    public var output: String
    /// For standard error: warnings and unknown options, then errors, one per line.
    public var diagnostics: String
    /// 0 when the configuration is usable, ``ConfigReport/exitConfigError`` otherwise.
    public var exitCode: Int32
}

/// Human-readable reports of configurations, for `minimaster --check`.
public enum ConfigReport {
    /// `EX_CONFIG`, the exit code Cyrus uses for configuration errors.
    public static let exitConfigError: Int32 = 78

    /// Reads both files as Cyrus master would (imapd.conf with ident `master`, which needs
    /// `configdirectory` but no partition) and reports on them. When both are usable,
    /// imapd.conf is also read as each SERVICES and DAEMON entry would read it, so that bad
    /// `<service>_<option>` values (which only that service checks) are reported too.
    ///
    /// `programChecks`, given both usable files, returns what the programs of the entries
    /// find in their own options (see ``CheckConfigProtocol``); its errors fail the check.
    public static func check(cyrusConfPath: String, imapdConfPath: String, mode: CyrusConf.Mode = .strict,
                             programChecks: ((CyrusConf, ImapdConfig) -> [ConfigDiagnostic])? = nil) -> ConfigCheckResult {
        let cyrus = Result(catching: { () throws(ConfigError) -> CyrusConf in try CyrusConf.load(path: cyrusConfPath, mode: mode) })
        let imapd = Result(catching: { () throws(ConfigError) -> ImapdConfig in
            let config = try ImapdConfig.load(path: imapdConfPath, service: "master")
            try config.validate(needsPartition: false)
            return config
        })
        var serviceErrors: [ConfigDiagnostic] = []
        var programWarnings: [ConfigDiagnostic] = []
        if case .success(let conf) = cyrus, case .success(let config) = imapd {
            var seen: Set<String> = []
            for name in conf.services.map(\.name) + conf.daemons.map(\.name) where seen.insert(name.lowercased()).inserted {
                do throws(ConfigError) {
                    _ = try ImapdConfig.load(path: imapdConfPath, service: name)
                } catch {
                    serviceErrors += error.diagnostics.map { var d = $0; d.message += " (as read by service \(name))"; return d }
                }
            }
            if serviceErrors.isEmpty, let programChecks {
                let findings = programChecks(conf, config)
                serviceErrors += findings.filter { $0.severity == .error }
                programWarnings = findings.filter { $0.severity == .warning }
            }
        }
        return check(cyrus: cyrus, imapd: imapd, serviceErrors: serviceErrors, serviceWarnings: programWarnings)
    }

    /// Reports on already-parsed configurations (or the errors that parsing threw), plus
    /// errors found when imapd.conf was read for individual services.
    public static func check(cyrus: Result<CyrusConf, ConfigError>, imapd: Result<ImapdConfig, ConfigError>,
                             serviceErrors: [ConfigDiagnostic] = [], serviceWarnings: [ConfigDiagnostic] = []) -> ConfigCheckResult {
        var stderr: [String] = []
        var errors: [ConfigDiagnostic] = []
        switch cyrus {
        case .success(let conf): stderr += conf.warnings.map(\.description)
        case .failure(let error): errors += error.diagnostics
        }
        switch imapd {
        case .success(let config): stderr += imapdWarnings(config)
        case .failure(let error): errors += error.diagnostics
        }
        stderr += serviceWarnings.map(\.description)
        errors += serviceErrors
        guard case .success(let conf) = cyrus, case .success(let config) = imapd, errors.isEmpty else {
            stderr += errors.map(\.description)
            let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
            stderr.append("minimaster: configuration check failed (\(count))")
            return ConfigCheckResult(output: "", diagnostics: lines(stderr), exitCode: exitConfigError)
        }
        var out = summary(of: conf)
        out.append("")
        out.append("imapd.conf \(config.path) (as service \(quoted(config.service))): "
                   + "\(count(config.entries.count, "option")), \(config.unknownOptions.count) unknown")
        out.append("configuration OK" + (stderr.isEmpty ? "" : " (\(count(stderr.count, "warning")), see standard error)"))
        return ConfigCheckResult(output: lines(out), diagnostics: lines(stderr), exitCode: 0)
    }

    /// imapd.conf warnings plus one warning per unknown option, sorted by place.
    public static func imapdWarnings(_ config: ImapdConfig) -> [String] {
        let unknown = config.unknownOptions.map {
            ConfigDiagnostic(file: $0.location.file, line: $0.location.line,
                             message: "unknown option '\($0.key)' (no Cyrus program reads it; kept as an overflow entry)",
                             severity: .warning)
        }
        return DiagnosticCollector.sorted(config.warnings + unknown + config.notImplementedOptions).map(\.description)
    }

    /// The entries of a cyrus.conf as aligned tables, one per section.
    public static func summary(of conf: CyrusConf) -> [String] {
        var out: [String] = []
        out.append("cyrus.conf \(conf.path): " + [
            count(conf.services.count, "service"), count(conf.start.count, "START entry", "START entries"),
            count(conf.events.count, "event"), count(conf.daemons.count, "daemon"),
        ].joined(separator: ", "))
        out.append("")
        out.append("SERVICES (listeners minimaster runs):")
        out += table(["NAME", "LINE", "LISTEN", "PROTO", "PREFORK", "MAXCHILD", "OTHER", "COMMAND"],
                     conf.services.map { s in
                         var other: [String] = []
                         if s.babysit { other.append("babysit") }
                         if s.maxforkrate != 0 { other.append("maxforkrate=\(s.maxforkrate)") }
                         if s.maxfds != 0 { other.append("maxfds=\(s.maxfds)") }
                         return [s.name, "\(s.line)", s.listen, s.proto.rawValue, "\(s.prefork)",
                                 s.maxchild < 0 ? "unlimited" : "\(s.maxchild)",
                                 other.isEmpty ? "-" : other.joined(separator: " "), s.argv.joined(separator: " ")]
                     })
        out.append("START (run to completion before services start):")
        out += table(["NAME", "LINE", "COMMAND"], conf.start.map { [$0.name, "\($0.line)", $0.argv.joined(separator: " ")] })
        out.append("EVENTS (run while minimaster runs, first at startup unless daily):")
        out += table(["NAME", "LINE", "WHEN", "COMMAND"], conf.events.map { e in
            let when = e.at.map { "daily at \($0)" } ?? (e.period > 0 ? "every \(e.period) min" : "once at startup")
            return [e.name, "\(e.line)", when, e.argv.joined(separator: " ")]
        })
        out.append("DAEMON (long-running programs):")
        out += table(["NAME", "LINE", "OTHER", "COMMAND"], conf.daemons.map { d in
            var other: [String] = []
            if d.wait { other.append("wait") }
            if d.maxforkrate != 0 { other.append("maxforkrate=\(d.maxforkrate)") }
            if d.maxfds != 0 { other.append("maxfds=\(d.maxfds)") }
            return [d.name, "\(d.line)", other.isEmpty ? "-" : other.joined(separator: " "), d.argv.joined(separator: " ")]
        })
        return out
    }

    /// Rows under a header, columns padded to their widest cell, indented by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        if rows.isEmpty { return ["  (none)"] }
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return all.map { row in
            var line = " "
            for (i, cell) in row.enumerated() {
                line += " " + (i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 1))
            }
            return line
        }
    }

    private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }

    private static func lines(_ list: [String]) -> String {
        list.isEmpty ? "" : list.joined(separator: "\n") + "\n"
    }
}
