/// The four sections Cyrus master reads.
enum CyrusConfSection: String, CaseIterable, Sendable {
    case start = "START", services = "SERVICES", events = "EVENTS", daemon = "DAEMON"

    /// Cyrus's header match on the leading alnum word of a line: same length, first letter
    /// equal, the rest equal ignoring case (`Services` and `SERVICES_old` match; `services`
    /// and `SERVICESX` do not).
    static func cyrusMatch(_ word: ArraySlice<UInt8>) -> CyrusConfSection? {
        allCases.first { section in
            let name = Array(section.rawValue.utf8)
            return word.count == name.count && word.first == name.first
                && zip(word, name).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
        }
    }

    /// A word equal to a section name ignoring case entirely (for diagnostics).
    static func looseMatch(_ word: ArraySlice<UInt8>) -> CyrusConfSection? {
        allCases.first { section in
            let name = Array(section.rawValue.utf8)
            return word.count == name.count && zip(word, name).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
        }
    }
}

extension CyrusConf {
    /// Reads and parses the cyrus.conf at `path` (with `$CYRUS_PREFIX` prepended when that
    /// variable is set and the prefixed file exists, as Cyrus does).
    public static func load(path: String, mode: Mode = .strict) throws(ConfigError) -> CyrusConf {
        let actual = ConfigFile.resolve(path)
        return try parse(ConfigFile.read(actual), path: actual, mode: mode)
    }

    /// Parses cyrus.conf text given as raw bytes; `path` is used in messages only.
    /// Returns a complete configuration (with warnings) or throws every error found.
    public static func parse(_ bytes: [UInt8], path: String, mode: Mode = .strict) throws(ConfigError) -> CyrusConf {
        var scanner = CyrusConfScanner(file: path, mode: mode)
        for line in CyrusConfLexer.lines(bytes, file: path, into: &scanner.diagnostics) {
            scanner.consume(line)
        }
        scanner.finish()
        var builder = CyrusConfEntryBuilder(file: path, mode: mode)
        let start = scanner.entries(of: .start).compactMap { builder.start($0) }
        let services = scanner.entries(of: .services).compactMap { builder.service($0) }
        let events = scanner.entries(of: .events).compactMap { builder.event($0) }
        let daemons = scanner.entries(of: .daemon).compactMap { builder.daemon($0) }
        var diagnostics = scanner.diagnostics
        diagnostics.append(contentsOf: builder.diagnostics)
        try diagnostics.throwIfErrors()
        return CyrusConf(path: path, start: start, services: services, events: events, daemons: daemons,
                         warnings: diagnostics.sortedWarnings)
    }

    /// Parses cyrus.conf text; see ``parse(_:path:mode:)-([UInt8],_,_)``.
    public static func parse(_ text: String, path: String, mode: Mode = .strict) throws(ConfigError) -> CyrusConf {
        try parse(Array(text.utf8), path: path, mode: mode)
    }
}

/// Finds the sections the way master does: a brace level over all lines outside the
/// section being read; a header counts only at level 0, only its first block counts, and a
/// body ends at a line starting with `}`. All four section scans run in one pass.
struct CyrusConfScanner {
    enum State { case notFound, open(header: Int), closed(header: Int) }

    let file: String
    let mode: CyrusConf.Mode
    var diagnostics = DiagnosticCollector()
    private var level = 0
    private var states: [CyrusConfSection: State] = [:]
    private var bodies: [CyrusConfSection: [RawEntry]] = [:]
    /// Set after a header without `{`: the next line's `{` is the block Cyrus skips.
    private var expectingOrphanBrace = false

    init(file: String, mode: CyrusConf.Mode) {
        self.file = file
        self.mode = mode
    }

    func entries(of section: CyrusConfSection) -> [RawEntry] { bodies[section] ?? [] }

    /// Reports something Cyrus accepts silently: an error in strict mode, else a warning.
    private mutating func lax(_ line: Int, _ message: String) {
        diagnostics.report(file, line, message, asWarning: mode == .cyrusCompatible)
    }

    mutating func consume(_ line: CyrusConfLine) {
        let orphanBrace = expectingOrphanBrace
        expectingOrphanBrace = false
        var isBodyLine = false
        for section in CyrusConfSection.allCases {
            guard case .open(let header) = states[section] else { continue }
            isBodyLine = true
            readBody(line, of: section, header: header)
        }
        let word = line.leadingWord
        let balance = line.braceBalance
        if level == 0, let section = CyrusConfSection.cyrusMatch(word) {
            header(line, section: section, word: word, balance: balance)
            level = balance
            return
        }
        if !isBodyLine {
            reportOutsideLine(line, word: word, balance: balance, orphanBrace: orphanBrace)
        }
        let before = level
        level += balance
        if !isBodyLine, before >= 0, level < 0 {
            diagnostics.warning(file, line.number, "unmatched }: Cyrus will not find any section after this line")
        }
    }

    private mutating func readBody(_ line: CyrusConfLine, of section: CyrusConfSection, header: Int) {
        if line.text.first == UInt8(ascii: "}") {
            states[section] = .closed(header: header)
            if line.text.dropFirst().contains(where: { !$0.isCSpace }) {
                diagnostics.warning(file, line.number, "text after the } that closes section \(section.rawValue) is ignored")
            }
            return
        }
        switch CyrusConfLexer.entry(line) {
        case .failure(let failure):
            let prefix = failure.name.isEmpty ? "\(section.rawValue) entry" : "\(section.rawValue) entry \(quoted(failure.name))"
            let looksLikeHeader = CyrusConfSection.cyrusMatch(line.leadingWord) != nil && line.text.contains(UInt8(ascii: "{"))
            let hint = looksLikeHeader ? " (is the } that closes \(section.rawValue) missing?)" : ""
            diagnostics.error(file, line.number, "\(prefix): \(failure.message)\(hint)")
        case .success(let entry):
            if let byte = entry.skippedLeadingByte {
                lax(line.number, "\(section.rawValue) entry without a name: the line starts with \(quotedByte(byte)) (names are letters and digits)")
            }
            if line.braceBalance != 0 {
                diagnostics.warning(file, line.number,
                                    "unbalanced { or } in this entry: Cyrus counts them even inside values, which can hide later sections")
            }
            bodies[section, default: []].append(entry)
        }
    }

    private mutating func header(_ line: CyrusConfLine, section: CyrusConfSection, word: ArraySlice<UInt8>, balance: Int) {
        let name = section.rawValue
        let rest = line.text[word.endIndex...]
        switch states[section] ?? .notFound {
        case .open(let first), .closed(let first):
            lax(line.number, "second \(name) section is ignored by Cyrus (the first one starts on line \(first))")
            return
        case .notFound:
            break
        }
        guard let brace = rest.firstIndex(of: UInt8(ascii: "{")) else {
            lax(line.number, "section name \(name) must be followed by { on the same line (Cyrus skips the whole block)")
            expectingOrphanBrace = true
            return
        }
        guard balance == 1 else {
            let what = balance == 0 ? "is opened and closed on its header line" : "header has unbalanced braces"
            lax(line.number, "section \(name) \(what); Cyrus ignores the section")
            return
        }
        states[section] = .open(header: line.number)
        let written = word.lossyString
        if written != name {
            diagnostics.warning(file, line.number, "section name \(quoted(written)) is read as \(name); write it in capitals")
        }
        if rest[..<brace].contains(where: { !$0.isCSpace }) {
            diagnostics.warning(file, line.number,
                                "text between the section name \(name) and { is ignored: \(quoted(rest[..<brace].lossyString))")
        }
        if rest[(brace + 1)...].contains(where: { !$0.isCSpace }) {
            lax(line.number, "text after { on the \(name) header line is ignored by Cyrus; put entries on lines of their own")
        }
    }

    private mutating func reportOutsideLine(_ line: CyrusConfLine, word: ArraySlice<UInt8>, balance: Int, orphanBrace: Bool) {
        let opensBlock = line.text.contains(UInt8(ascii: "{"))
        if let section = CyrusConfSection.looseMatch(word), opensBlock {
            if level == 0 {
                lax(line.number, "section name \(quoted(word.lossyString)) is not recognised: Cyrus needs \(section.rawValue) with a capital first letter; the block is ignored")
            } else if CyrusConfSection.cyrusMatch(word) != nil, case .notFound = states[section] ?? .notFound {
                lax(line.number, "section \(section.rawValue) is not recognised because of an unbalanced { or } before it (Cyrus counts braces even inside values)")
            }
            return
        }
        guard level == 0 else { return }
        if orphanBrace, line.text.first == UInt8(ascii: "{") { return }
        if opensBlock {
            let name = line.text.prefix { $0 != UInt8(ascii: "{") && !$0.isCSpace }
            diagnostics.warning(file, line.number, name.isEmpty
                ? "block without a section name is ignored"
                : "unknown section \(quoted(name.lossyString)) is ignored (Cyrus reads START, SERVICES, EVENTS and DAEMON)")
        } else if balance == 0 {
            lax(line.number, "text outside any section is ignored by Cyrus")
        }
    }

    /// Reports sections still open at end of file (Cyrus accepts them silently).
    mutating func finish() {
        for section in CyrusConfSection.allCases {
            if case .open(let header) = states[section] {
                lax(header, "section \(section.rawValue) is not closed before end of file")
            }
        }
    }
}
