/// Turns raw section entries into typed entries, applying master's per-key rules
/// (`add_start()`, `add_service()`, `add_event()`, `add_daemon()`) and reporting what is
/// fatal in Cyrus as errors and what Cyrus silently misreads according to the mode.
struct CyrusConfEntryBuilder {
    let file: String
    let mode: CyrusConf.Mode
    var diagnostics = DiagnosticCollector()
    /// SERVICES and DAEMON share one name space.
    private var names: [String: (line: Int, section: CyrusConfSection)] = [:]

    static let knownKeys: [CyrusConfSection: Set<String>] = [
        .start: ["cmd"],
        .services: ["cmd", "listen", "proto", "prefork", "maxchild", "babysit", "maxforkrate", "maxfds"],
        .events: ["cmd", "period", "at"],
        .daemon: ["cmd", "wait", "maxfds", "maxforkrate"],
    ]

    init(file: String, mode: CyrusConf.Mode) {
        self.file = file
        self.mode = mode
    }

    mutating func start(_ raw: RawEntry) -> StartEntry? {
        let values = keyValues(raw, .start)
        guard let argv = command(raw, .start, values) else { return nil }
        return StartEntry(name: raw.name, line: raw.line, cmd: values["cmd"] ?? "", argv: argv, arguments: raw.arguments)
    }

    mutating func service(_ raw: RawEntry) -> ServiceEntry? {
        let values = keyValues(raw, .services)
        let unique = claimName(raw, .services)
        let cmd = values["cmd"] ?? "", listen = values["listen"] ?? ""
        if cmd.isEmpty || listen.isEmpty {
            let missing = cmd.isEmpty && listen.isEmpty ? "cmd and no listen" : cmd.isEmpty ? "cmd" : "listen"
            error(raw, .services, "service \(raw.name) has no \(missing)")
        }
        let argv = cmd.isEmpty ? nil : command(raw, .services, values)
        var address: ListenAddress?
        var runnable = true
        if !listen.isEmpty {
            do throws(ListenAddressError) {
                address = try ListenAddress.parse(listen)
            } catch {
                lax(raw, .services, "invalid listen \(quoted(listen)): \(error.reason)", consequence: "Cyrus disables this service")
                runnable = false
            }
        }
        var proto = TransportProtocol.tcp
        if let text = values["proto"] {
            if let parsed = TransportProtocol(rawValue: text) {
                proto = parsed
            } else {
                lax(raw, .services, "invalid proto \(quoted(text)) (expected tcp, tcp4, tcp6, udp, udp4 or udp6)",
                    consequence: "Cyrus disables this service")
                runnable = false
            }
        }
        let prefork = int(raw, .services, values, "prefork", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        let maxchild = int(raw, .services, values, "maxchild", default: -1, allowNegative: true, cyrus: ConfigValueParsing.atoi)
        if maxchild == 0, values["maxchild"].flatMap(ConfigValueParsing.strictInt) == 0 {
            diagnostics.warning(file, raw.line, "\(prefix(raw, .services)): maxchild=0: this service never gets a child (use a negative value for unlimited)")
        }
        let babysit = flag(raw, .services, values, "babysit")
        let maxforkrate = int(raw, .services, values, "maxforkrate", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        let maxfds = int(raw, .services, values, "maxfds", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        guard unique, runnable, let argv, let address else { return nil }
        return ServiceEntry(name: raw.name, line: raw.line, cmd: cmd, argv: argv, listen: listen, listenAddress: address,
                            proto: proto, prefork: prefork, maxchild: maxchild, babysit: babysit,
                            maxforkrate: maxforkrate, maxfds: maxfds, arguments: raw.arguments)
    }

    mutating func event(_ raw: RawEntry) -> EventEntry? {
        let values = keyValues(raw, .events)
        let argv = command(raw, .events, values)
        let period = int(raw, .events, values, "period", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        var at: TimeOfDay?
        if let text = values["at"] {
            let hhmm = int(raw, .events, values, "at", default: -1, allowNegative: true,
                           cyrus: { ConfigValueParsing.masterGetInt($0, default: -1) })
            at = TimeOfDay(hhmm: hhmm)
            if at == nil, ConfigValueParsing.strictInt(text) != nil {
                lax(raw, .events, "at must be a time of day HHMM from 0000 to 2359, got \(quoted(text))",
                    consequence: period > 0 ? "Cyrus uses the period instead" : "Cyrus runs it only once at startup")
            }
            if at != nil, values["period"] != nil {
                diagnostics.warning(file, raw.line, "\(prefix(raw, .events)): period is ignored because at is given")
            }
        }
        guard let argv else { return nil }
        return EventEntry(name: raw.name, line: raw.line, cmd: values["cmd"] ?? "", argv: argv, period: period, at: at,
                          arguments: raw.arguments)
    }

    mutating func daemon(_ raw: RawEntry) -> DaemonEntry? {
        let values = keyValues(raw, .daemon)
        let unique = claimName(raw, .daemon)
        let argv = command(raw, .daemon, values)
        let wait = flag(raw, .daemon, values, "wait")
        let maxfds = int(raw, .daemon, values, "maxfds", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        let maxforkrate = int(raw, .daemon, values, "maxforkrate", default: 0, cyrus: { ConfigValueParsing.masterGetInt($0, default: 0) })
        guard unique, let argv else { return nil }
        return DaemonEntry(name: raw.name, line: raw.line, cmd: values["cmd"] ?? "", argv: argv, wait: wait,
                           maxfds: maxfds, maxforkrate: maxforkrate, arguments: raw.arguments)
    }

    // MARK: Helpers

    private func prefix(_ raw: RawEntry, _ section: CyrusConfSection) -> String {
        "\(section.rawValue) entry \(quoted(raw.name))"
    }

    private mutating func error(_ raw: RawEntry, _ section: CyrusConfSection, _ message: String) {
        diagnostics.error(file, raw.line, "\(prefix(raw, section)): \(message)")
    }

    /// Something Cyrus accepts silently: an error in strict mode; in compatible mode a
    /// warning that says what Cyrus does with it.
    private mutating func lax(_ raw: RawEntry, _ section: CyrusConfSection, _ message: String, consequence: String) {
        if mode == .strict {
            error(raw, section, message)
        } else {
            diagnostics.warning(file, raw.line, "\(prefix(raw, section)): \(message); \(consequence)")
        }
    }

    /// The first value of each key (Cyrus uses the first); warns about unknown and repeated keys.
    private mutating func keyValues(_ raw: RawEntry, _ section: CyrusConfSection) -> [String: String] {
        let known = Self.knownKeys[section] ?? []
        var values: [String: String] = [:]
        for argument in raw.arguments {
            if values[argument.key] != nil {
                diagnostics.warning(file, raw.line, "\(prefix(raw, section)): \(argument.key) is given more than once; the first value is used")
                continue
            }
            values[argument.key] = argument.value
            if !known.contains(argument.key) {
                let hint = known.contains(argument.key.lowercased()) ? " (keys are case-sensitive: write \(argument.key.lowercased()))" : ""
                diagnostics.warning(file, raw.line, "\(prefix(raw, section)): unknown key \(quoted(argument.key)) is ignored\(hint)")
            }
        }
        return values
    }

    /// `cmd` split into argv; reports a missing or blank command (fatal in Cyrus).
    private mutating func command(_ raw: RawEntry, _ section: CyrusConfSection, _ values: [String: String]) -> [String]? {
        guard let cmd = values["cmd"], !cmd.isEmpty else {
            error(raw, section, "\(section == .services ? "service" : "entry") \(raw.name) has no cmd")
            return nil
        }
        let argv = CyrusConfLexer.splitCommand(cmd)
        if argv.isEmpty {
            error(raw, section, "cmd contains no command")
            return nil
        }
        return argv
    }

    /// Registers a SERVICES/DAEMON name; reports a duplicate (fatal in Cyrus).
    private mutating func claimName(_ raw: RawEntry, _ section: CyrusConfSection) -> Bool {
        if let first = names[raw.name] {
            if first.section == section {
                let kind = section == .services ? "service" : "daemon"
                error(raw, section, "duplicate \(kind) name \(raw.name) (first defined on line \(first.line))")
            } else {
                error(raw, section, "name \(raw.name) is already used by the \(first.section.rawValue) entry on line \(first.line)")
            }
            return false
        }
        names[raw.name] = (raw.line, section)
        return true
    }

    /// An integer key. A plain decimal integer is taken as is; anything else is read the
    /// way Cyrus reads it (`cyrus`) and reported.
    private mutating func int(_ raw: RawEntry, _ section: CyrusConfSection, _ values: [String: String], _ key: String,
                              default defaultValue: Int, allowNegative: Bool = false, cyrus: (String) -> Int) -> Int {
        guard let text = values[key] else { return defaultValue }
        if let value = ConfigValueParsing.strictInt(text) {
            if value < 0, !allowNegative {
                diagnostics.warning(file, raw.line, "\(prefix(raw, section)): \(key) is negative (\(value)); it behaves like 0")
            }
            return value
        }
        let cyrusValue = cyrus(text)
        let isNumber = !text.isEmpty && text.utf8.drop(while: { $0 == UInt8(ascii: "-") }).allSatisfy(\.isCDigit)
        lax(raw, section, isNumber ? "\(key) value \(text) is out of range" : "\(key) must be an integer, got \(quoted(text))",
            consequence: "Cyrus reads it as \(cyrusValue)")
        return cyrusValue
    }

    /// A switch key (`babysit`, `wait`), default off.
    private mutating func flag(_ raw: RawEntry, _ section: CyrusConfSection, _ values: [String: String], _ key: String) -> Bool {
        guard let text = values[key] else { return false }
        if let value = ConfigValueParsing.parseSwitch(text) {
            if !ConfigValueParsing.usualSwitchSpellings.contains(text) {
                diagnostics.warning(file, raw.line, "\(prefix(raw, section)): \(key)=\(text) is read as \(value ? "yes" : "no")")
            }
            return value
        }
        lax(raw, section, "\(key) must be yes or no (also on/off, true/false, 1/0), got \(quoted(text))",
            consequence: "Cyrus uses the default (no)")
        return false
    }
}
