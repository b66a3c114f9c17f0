import ConfParse

/// Checks shared by the configuration targets.
enum ConfigChecks {
    /// The number of lines of a file: its LFs, plus one (a last line without LF, or the empty
    /// line after the last LF).
    static func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    /// A diagnostic names the file it was about and a line inside it.
    static func check(_ diagnostic: ConfigDiagnostic, path: String, lines: Int) {
        require(diagnostic.file == path, "diagnostic about another file: \(diagnostic)")
        if let line = diagnostic.line {
            require((1...lines).contains(line), "diagnostic line \(line) outside 1...\(lines): \(diagnostic)")
        }
        require(!diagnostic.message.isEmpty, "a diagnostic without a message at \(diagnostic.line ?? 0)")
    }

    /// A failed parse says why, always inside the file.
    static func check(_ error: ConfigError, path: String, lines: Int) {
        require(!error.diagnostics.isEmpty, "a parse error without a diagnostic")
        for diagnostic in error.diagnostics { check(diagnostic, path: path, lines: lines) }
        require(!error.description.isEmpty, "an empty error description")
    }

    /// An entry line inside the file; a name unless `emptyNameAllowed` (Cyrus reads a line
    /// starting with a byte that is not a letter or digit as an entry without a name).
    static func check(line: Int, of name: String, lines: Int, emptyNameAllowed: Bool = false) {
        require((1...lines).contains(line), "entry \(name) on line \(line) outside 1...\(lines)")
        require(emptyNameAllowed || !name.isEmpty, "an entry without a name on line \(line)")
    }
}
