/// Checks on values that must hold whether they come from the script text (compile time)
/// or from variables (run time).
enum Validation {
    /// Why a mailbox name cannot be filed into, or nil when it can. Refuses what could leave
    /// the user's Maildir or break it: empty names, NUL and control characters, `.`/`..`
    /// levels, a leading or doubled separator, and names over `maxLength` bytes.
    static func mailboxProblem(_ name: String, maxLength: Int) -> String? {
        if name.isEmpty { return "empty mailbox name" }
        if name.utf8.count > maxLength { return "mailbox name longer than \(maxLength) bytes" }
        for byte in name.utf8 where byte < 0x20 || byte == 0x7f {
            return "control character in mailbox name"
        }
        if let first = name.first, first == "/" || first == "." { return "mailbox name starts with '\(first)'" }
        for level in name.split(separator: "/", omittingEmptySubsequences: false)
            .flatMap({ $0.split(separator: ".", omittingEmptySubsequences: false) }) where level.isEmpty {
            return "empty level or '..' in mailbox name"
        }
        return nil
    }

    /// An RFC 5322 addr-spec (what redirect accepts): `local@domain`, printable, no blanks
    /// outside quotes, a domain of labels.
    static func isValidAddress(_ address: String) -> Bool {
        let parsed = AddressParsing.split(address)
        guard !parsed.localPart.isEmpty, !parsed.domain.isEmpty, address.utf8.count <= 512 else { return false }
        let localIsQuoted = parsed.localPart.hasPrefix("\"") && parsed.localPart.hasSuffix("\"") && parsed.localPart.count >= 2
        for byte in parsed.localPart.utf8 {
            if byte <= 32 || byte == 127 { if !(localIsQuoted && byte == 32) { return false } }
            if !localIsQuoted, "()<>[]:;@\\,\"".utf8.contains(byte) { return false }
        }
        if parsed.domain.hasPrefix("["), parsed.domain.hasSuffix("]") { return true }
        for label in parsed.domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.allSatisfy({ $0 >= 128 || Lexer.isIdentifierByte($0) || $0 == UInt8(ascii: "-") }) else {
                return false
            }
        }
        return true
    }

    /// RFC 5322 field name: printable ASCII except `:`, at least one.
    static func isValidHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 997 && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 58 }
    }

    /// RFC 5229 variable name: identifier, optionally namespaced with dots.
    static func isValidVariableName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.utf8.first, Lexer.isIdentifierStart(first) else { return false }
            return part.utf8.allSatisfy(Lexer.isIdentifierByte)
        }
    }

    /// Whether `text` has a `${name}` or `${digits}` reference.
    static func hasVariableReference(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "$"), bytes[i + 1] == UInt8(ascii: "{") {
                var j = i + 2
                while j < bytes.count, Lexer.isIdentifierByte(bytes[j]) || bytes[j] == UInt8(ascii: ".") { j += 1 }
                if j > i + 2, j < bytes.count, bytes[j] == UInt8(ascii: "}") { return true }
            }
            i += 1
        }
        return false
    }

    /// RFC 5228 section 2.4.2.4: `${hex:...}` and `${unicode:...}` replaced by what they encode.
    /// A malformed sequence stays as written; a code point that is not a character is an error.
    static func decodeEncodedCharacters(_ text: String) throws(ValidationError) -> String {
        guard text.contains("${") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        outer: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                var j = i + 2
                while j < bytes.count, Lexer.isIdentifierByte(bytes[j]) { j += 1 }
                let kind = String(decoding: bytes[(i + 2)..<j], as: UTF8.self).lowercased()
                if (kind == "hex" || kind == "unicode"), j < bytes.count, bytes[j] == UInt8(ascii: ":") {
                    j += 1
                    var values: [UInt32] = []
                    while true {
                        while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
                        guard j < bytes.count else { break }
                        if bytes[j] == UInt8(ascii: "}") {
                            if kind == "hex" {
                                out.append(contentsOf: values.map { UInt8($0) })
                            } else {
                                for v in values {
                                    guard let scalar = Unicode.Scalar(v) else {
                                        throw ValidationError(message: "invalid unicode character \(String(v, radix: 16)) in encoded-character")
                                    }
                                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                                }
                            }
                            i = j + 1
                            continue outer
                        }
                        var k = j
                        var value: UInt32 = 0
                        while k < bytes.count, let digit = hexDigit(bytes[k]), k - j < 8 { value = value << 4 | UInt32(digit); k += 1 }
                        let length = k - j
                        guard length > 0, kind == "unicode" || length <= 2,
                              k < bytes.count, bytes[k] == 32 || bytes[k] == 9 || bytes[k] == UInt8(ascii: "}") else { break }
                        values.append(value)
                        j = k
                    }
                }
            }
            out.append(bytes[i])
            i += 1
        }
        guard let decoded = String(validating: out, as: UTF8.self) else {
            throw ValidationError(message: "encoded-character gives invalid UTF-8")
        }
        return decoded
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}

struct ValidationError: Error {
    var message: String
}
