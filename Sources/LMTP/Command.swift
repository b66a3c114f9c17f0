/// One LMTP command line, recognised the way Cyrus does: by its first letter, then by an exact
/// case-insensitive match. Arguments stay bytes; only what needs to be text becomes text later.
enum Command: Equatable {
    /// `LHLO <name>` (the space is required; the name may be empty).
    case lhlo(name: [UInt8])
    /// Any line starting with `M`: the arguments after `MAIL `, or nil when the line is not
    /// `MAIL ` + something (it is still checked for authentication first, as Cyrus does).
    case mail(arguments: [UInt8]?)
    /// `RCPT ` + arguments.
    case rcpt(arguments: [UInt8])
    case data
    /// `BDAT ` + arguments (RFC 3030 chunking).
    case bdat(arguments: [UInt8])
    case rset
    case noop
    case quit
    /// `VRFY ` + anything.
    case vrfy
    /// `AUTH ` + arguments.
    case auth(arguments: [UInt8])
    case starttls
    /// Unknown verb, wrong form, or a NUL byte.
    case invalid

    /// The longest client name kept from LHLO (Cyrus keeps 249 characters).
    static let maximumLHLONameLength = 249

    /// Recognises a command line given without its line end.
    static func parse(_ line: [UInt8]) -> Command {
        if line.contains(0) { return .invalid }
        guard let first = line.first else { return .invalid }
        switch first | 0x20 {
        case UInt8(ascii: "l"):
            guard let rest = line.afterPrefix("lhlo ") else { return .invalid }
            return .lhlo(name: Array(rest.prefix(maximumLHLONameLength)))
        case UInt8(ascii: "m"):
            return .mail(arguments: line.afterPrefix("mail ").map(Array.init))
        case UInt8(ascii: "r"):
            if let rest = line.afterPrefix("rcpt ") { return .rcpt(arguments: Array(rest)) }
            return line.isWord("rset") ? .rset : .invalid
        case UInt8(ascii: "d"):
            return line.isWord("data") ? .data : .invalid
        case UInt8(ascii: "b"):
            return line.afterPrefix("bdat ").map { .bdat(arguments: Array($0)) } ?? .invalid
        case UInt8(ascii: "n"):
            return line.isWord("noop") ? .noop : .invalid
        case UInt8(ascii: "q"):
            return line.isWord("quit") ? .quit : .invalid
        case UInt8(ascii: "v"):
            return line.afterPrefix("vrfy ") != nil ? .vrfy : .invalid
        case UInt8(ascii: "a"):
            if let rest = line.afterPrefix("auth ") { return .auth(arguments: Array(rest)) }
            return .invalid
        case UInt8(ascii: "s"):
            return line.isWord("starttls") ? .starttls : .invalid
        default:
            return .invalid
        }
    }

    /// A short printable form for debug logs (no arguments beyond a bounded prefix).
    static func logForm(_ line: [UInt8]) -> String {
        HeaderText.sanitized(bytes: line, limit: 120)
    }
}

extension Array where Element == UInt8 {
    /// The bytes after `prefix` (lower-case ASCII) if the array starts with it, ignoring case.
    func afterPrefix(_ prefix: StaticString) -> ArraySlice<UInt8>? {
        matchesIgnoringCase(prefix, at: 0) ? self[prefix.utf8CodeUnitCount...] : nil
    }

    /// Whether the array is exactly `word` (lower-case ASCII), ignoring case.
    func isWord(_ word: StaticString) -> Bool {
        self.count == word.utf8CodeUnitCount && afterPrefix(word) != nil
    }
}

/// Byte classification helpers.
enum Bytes {
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inline(__always)
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    /// Control characters: 0x00–0x1F and DEL.
    @inline(__always)
    static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
}

extension Array where Element == UInt8 {
    /// Whether `word` (lower-case ASCII) appears at `index`, ignoring case.
    func matchesIgnoringCase(_ word: StaticString, at index: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index >= 0, self.count - index >= count else { return false }
        return word.withUTF8Buffer { expected -> Bool in
            for i in 0..<count where Bytes.lower(self[index + i]) != expected[i] { return false }
            return true
        }
    }
}
