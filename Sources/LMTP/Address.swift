/// The `<path>` grammar of MAIL and RCPT (Cyrus `parseaddr()` rules, stated in
/// docs/cyrus-compatibility.md §5.4), and xtext decoding for `AUTH=`.
///
/// `<` [source route `@dom,@dom:`] local-part [`@` domain] `>`:
/// * local-part: a quoted string (backslash escapes the next character), or a run of bytes
///   other than `@` and `>` in which a backslash escapes the next byte and unescaped space,
///   controls and `< > ( ) [ ] \ , ; : "` are refused;
/// * control characters are refused everywhere, even quoted or escaped (they can never be
///   part of a deliverable address and would corrupt `Return-Path:`);
/// * bytes ≥ 0x80 are kept as they are, in the local part and the domain: whether they may be
///   there (SMTPUTF8, `lmtp_strict_rfc2821`) is `InternationalAddress`'s decision;
/// * domain: letters, digits, `.`, `-` and 8-bit bytes (not empty, no leading dot, no `..`),
///   or `[` digits and dots `]`.
struct ParsedPath: Equatable {
    /// The path between `<` and `>` as written, source route removed. Empty for the null path `<>`.
    var address: [UInt8]
    /// The local part with quotes and escapes removed.
    var localPart: [UInt8]
    /// The domain, if the path had an `@domain`.
    var domain: [UInt8]?

    var isNull: Bool { address.isEmpty }
}

enum PathParser {
    /// Parses a path starting at `bytes[start]` (which must be `<`). Returns the path and the
    /// index just after `>`, or nil when the grammar is not met.
    static func parse(_ bytes: [UInt8], from start: Int) -> (path: ParsedPath, end: Int)? {
        var i = start
        guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { return nil }
        i += 1
        // Source route: @dom,@dom:
        if i < bytes.count, bytes[i] == UInt8(ascii: "@") {
            while true {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "@") else { return nil }
                guard let (_, next) = domain(bytes, from: i + 1) else { return nil }
                i = next
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: ":") { i += 1; break }
                return nil
            }
        }
        let addressStart = i
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: ">"), addressStart == start + 1 {
            return (ParsedPath(address: [], localPart: [], domain: nil), i + 1)
        }
        var address: [UInt8] = []
        var local: [UInt8] = []
        if bytes[i] == UInt8(ascii: "\"") {
            address.append(bytes[i])
            i += 1
            while true {
                guard i < bytes.count else { return nil }
                var byte = bytes[i]
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\") {
                    address.append(byte)
                    i += 1
                    guard i < bytes.count else { return nil }
                    byte = bytes[i]
                }
                guard let accepted = acceptable(byte) else { return nil }
                address.append(accepted)
                local.append(accepted)
                i += 1
            }
            address.append(bytes[i])
            i += 1
        } else {
            while i < bytes.count, bytes[i] != UInt8(ascii: "@"), bytes[i] != UInt8(ascii: ">") {
                var byte = bytes[i]
                if byte == UInt8(ascii: "\\") {
                    address.append(byte)
                    i += 1
                    guard i < bytes.count else { return nil }
                    byte = bytes[i]
                } else if byte == 0x20 || specials.contains(byte) {
                    return nil
                }
                guard let accepted = acceptable(byte) else { return nil }
                address.append(accepted)
                local.append(accepted)
                i += 1
            }
        }
        var domainBytes: [UInt8]? = nil
        if i < bytes.count, bytes[i] == UInt8(ascii: "@") {
            guard let (parsed, next) = domain(bytes, from: i + 1) else { return nil }
            address.append(UInt8(ascii: "@"))
            address.append(contentsOf: parsed)
            domainBytes = parsed
            i = next
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ">"), !address.isEmpty else { return nil }
        return (ParsedPath(address: address, localPart: local, domain: domainBytes), i + 1)
    }

    /// `< > ( ) [ ] \ , ; : "`: not allowed unescaped in an unquoted local part.
    private static let specials: Set<UInt8> = Set("<>()[]\\,;:\"".utf8)

    /// A local-part byte as stored, or nil if refused.
    private static func acceptable(_ byte: UInt8) -> UInt8? {
        Bytes.isControl(byte) ? nil : byte
    }

    /// A domain or domain literal starting at `from`; returns it and the index after it.
    private static func domain(_ bytes: [UInt8], from: Int) -> ([UInt8], Int)? {
        var i = from
        if i < bytes.count, bytes[i] == UInt8(ascii: "[") {
            i += 1
            while i < bytes.count, Bytes.isDigit(bytes[i]) || bytes[i] == UInt8(ascii: ".") { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "]"), i > from + 1 else { return nil }
            return (Array(bytes[from...i]), i + 1)
        }
        while i < bytes.count, Bytes.isAlphanumeric(bytes[i]) || bytes[i] == UInt8(ascii: ".")
                || bytes[i] == UInt8(ascii: "-") || bytes[i] >= 0x80 {
            i += 1
        }
        let name = Array(bytes[from..<i])
        guard let first = name.first, first != UInt8(ascii: ".") else { return nil }
        for k in 1..<Swift.max(name.count, 1) where name[k] == UInt8(ascii: ".") && name[k - 1] == UInt8(ascii: ".") {
            return nil
        }
        return (name, i)
    }
}

/// xtext (RFC 3461 §4): printable ASCII except `+` and `=`, and `+XX` hex escapes.
enum XText {
    /// Decodes xtext, or nil when malformed. Hex digits may be of either case.
    static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                guard bytes.endIndex - i >= 3,
                      let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else { return nil }
                out.append(high << 4 | low)
                i += 3
            } else if byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=") {
                out.append(byte)
                i += 1
            } else {
                return nil
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
