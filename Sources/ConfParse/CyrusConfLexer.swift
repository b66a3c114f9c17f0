/// A significant (non-blank) line of cyrus.conf: leading blanks skipped and everything from
/// the first `#` on removed (Cyrus cuts at `#` even inside quotes).
struct CyrusConfLine {
    /// 1-based physical line number.
    let number: Int
    /// The text from the first non-blank byte to the comment or end of line.
    let text: ArraySlice<UInt8>
    /// Whether a `#` cut the line.
    let hadComment: Bool

    /// Net count of `{` minus `}` on the line (Cyrus counts all of them, quoted or not).
    var braceBalance: Int {
        var n = 0
        for b in text { if b == 0x7B { n += 1 } else if b == 0x7D { n -= 1 } }
        return n
    }

    /// The leading run of ASCII letters and digits.
    var leadingWord: ArraySlice<UInt8> {
        text.prefix(while: \.isCAlnum)
    }
}

/// A section entry as written: `name key=value ...`.
struct RawEntry {
    var name: String
    var line: Int
    var arguments: [ConfArgument]
    /// Set when the line started with a non-alnum byte: Cyrus skips that byte and reads an
    /// entry with an empty name.
    var skippedLeadingByte: UInt8?
}

/// Line splitting and entry tokenizing for cyrus.conf (Cyrus `masterconf.c` rules).
enum CyrusConfLexer {
    /// Cyrus reads lines with a 4096-byte `fgets` buffer: longer lines are split.
    static let maximumLineLength = 4095
    /// Cyrus's `MAXARGS`.
    static let maximumArguments = 64

    /// The significant lines of `data`. Lines that cannot be read faithfully (longer than
    /// 4095 bytes, containing NUL) are reported as errors and left out.
    static func lines(_ data: [UInt8], file: String, into diagnostics: inout DiagnosticCollector) -> [CyrusConfLine] {
        var result: [CyrusConfLine] = []
        var number = 0
        var start = data.startIndex
        while start < data.endIndex {
            number += 1
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            defer { start = end + 1 }
            let raw = data[start..<end]
            if raw.count > maximumLineLength {
                diagnostics.error(file, number,
                                  "line is \(raw.count) bytes long; the limit is \(maximumLineLength) (Cyrus would read it as several lines)")
                continue
            }
            if raw.contains(0) {
                diagnostics.error(file, number, "line contains a NUL byte")
                continue
            }
            let hash = raw.firstIndex(of: 0x23)
            var text = raw[..<(hash ?? raw.endIndex)]
            text = text.drop(while: \.isCSpace)
            if text.isEmpty { continue }
            result.append(CyrusConfLine(number: number, text: text, hadComment: hash != nil))
        }
        return result
    }

    /// Tokenizes a section body line into an entry; on failure returns the reason (Cyrus
    /// treats all of these as fatal).
    static func entry(_ line: CyrusConfLine) -> Result<RawEntry, EntryLexError> {
        let text = line.text
        var p = text.startIndex
        while p < text.endIndex, text[p].isCAlnum { p += 1 }
        let name = String(decoding: text[text.startIndex..<p], as: UTF8.self)
        var skipped: UInt8?
        if name.isEmpty {
            skipped = text[p]
            p += 1
        } else if p < text.endIndex, !text[p].isCSpace {
            let word = text[text.startIndex...].prefix { !$0.isCSpace }
            return .failure(EntryLexError(name: name, message:
                "bad character \(quotedByte(text[p])) in entry name \(quoted(word.lossyString)) (names are letters and digits only)"))
        }
        var arguments: [ConfArgument] = []
        while true {
            while p < text.endIndex, text[p].isCSpace { p += 1 }
            if p == text.endIndex { break }
            let keyStart = p
            while p < text.endIndex, text[p].isCAlnum { p += 1 }
            guard p < text.endIndex, text[p] == 0x3D else {
                let found = text[keyStart...].prefix { !$0.isCSpace }
                return .failure(EntryLexError(name: name, message: "expected key=value (found \(quoted(found.lossyString)))"))
            }
            let key = String(decoding: text[keyStart..<p], as: UTF8.self)
            p += 1
            let valueBytes: ArraySlice<UInt8>
            if p < text.endIndex, text[p] == 0x22 {
                guard let close = text[(p + 1)...].firstIndex(of: 0x22) else {
                    let hint = line.hadComment ? " (a # starts a comment even inside quotes)" : ""
                    return .failure(EntryLexError(name: name, message: "missing closing \" in the value of \(key)\(hint)"))
                }
                valueBytes = text[(p + 1)..<close]
                p = close + 1
            } else {
                let valueStart = p
                while p < text.endIndex, !text[p].isCSpace { p += 1 }
                valueBytes = text[valueStart..<p]
            }
            guard let value = valueBytes.validUTF8 else {
                return .failure(EntryLexError(name: name, message: "the value of \(key) is not valid UTF-8"))
            }
            if arguments.count == maximumArguments {
                return .failure(EntryLexError(name: name, message: "too many arguments (Cyrus allows at most \(maximumArguments))"))
            }
            arguments.append(ConfArgument(key: key, value: value))
        }
        return .success(RawEntry(name: name, line: line.number, arguments: arguments, skippedLeadingByte: skipped))
    }

    /// `cmd` split into words the way master does: runs of space, tab, CR and LF separate,
    /// empty words are dropped, there is no quoting.
    static func splitCommand(_ cmd: String) -> [String] {
        cmd.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A })
            .map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Why an entry line could not be tokenized.
struct EntryLexError: Error {
    /// The entry name as far as it was read (may be empty).
    var name: String
    var message: String
}
