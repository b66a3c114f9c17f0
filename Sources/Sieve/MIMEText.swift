/// Decoders for MIME text: RFC 2047 encoded words, base64, quoted-printable, and the few
/// charsets that need no tables (UTF-8, US-ASCII, ISO-8859-1, Windows-1252 as Latin-1).
enum MIMEText {
    /// A header value with its encoded words decoded (white space between two encoded words
    /// dropped, as RFC 2047 section 6.2 says). Undecodable words stay as written.
    static func decodeHeader(_ value: [UInt8]) -> String {
        guard value.count >= 8, containsEncodedWordStart(value) else { return text(value, charset: "utf-8") }
        var out = ""
        var index = 0
        var pendingSpace: ArraySlice<UInt8> = []
        var lastWasEncoded = false
        while index < value.count {
            if value[index] == UInt8(ascii: "="), index + 1 < value.count, value[index + 1] == UInt8(ascii: "?"),
               let (decoded, end) = encodedWord(value, at: index) {
                if !lastWasEncoded { out += text(pendingSpace, charset: "utf-8") }
                pendingSpace = []
                out += decoded
                index = end
                lastWasEncoded = true
                continue
            }
            if value[index] == 32 || value[index] == 9 {
                let start = index
                while index < value.count, value[index] == 32 || value[index] == 9 { index += 1 }
                pendingSpace = value[start..<index]
                continue
            }
            out += text(pendingSpace, charset: "utf-8")
            pendingSpace = []
            let start = index
            while index < value.count, value[index] != 32, value[index] != 9,
                  !(value[index] == UInt8(ascii: "=") && index + 1 < value.count && value[index + 1] == UInt8(ascii: "?")) {
                index += 1
            }
            if index == start { index += 1 }
            out += text(value[start..<index], charset: "utf-8")
            lastWasEncoded = false
        }
        out += text(pendingSpace, charset: "utf-8")
        return out
    }

    private static func containsEncodedWordStart(_ value: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < value.count {
            if value[i] == UInt8(ascii: "="), value[i + 1] == UInt8(ascii: "?") { return true }
            i += 1
        }
        return false
    }

    /// `=?charset?B|Q?text?=` at `start`: the decoded text and the index after it.
    private static func encodedWord(_ value: [UInt8], at start: Int) -> (String, Int)? {
        var i = start + 2
        let charsetStart = i
        while i < value.count, value[i] != UInt8(ascii: "?") { if value[i] <= 32 { return nil }; i += 1 }
        guard i + 2 < value.count, value[i + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: value[charsetStart..<i], as: UTF8.self).lowercased()
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let encoding = value[i + 1] | 0x20
        i += 3
        let textStart = i
        while i + 1 < value.count, !(value[i] == UInt8(ascii: "?") && value[i + 1] == UInt8(ascii: "=")) {
            if value[i] <= 32 { return nil }
            i += 1
        }
        guard i + 1 < value.count else { return nil }
        let encoded = value[textStart..<i]
        let bytes: [UInt8]?
        switch encoding {
        case UInt8(ascii: "b"): bytes = base64(encoded)
        case UInt8(ascii: "q"): bytes = quotedPrintable(encoded, underscoreIsSpace: true)
        default: bytes = nil
        }
        guard let bytes, isKnownCharset(charset) else { return nil }
        return (text(bytes[...], charset: charset), i + 2)
    }

    static func isKnownCharset(_ charset: String) -> Bool {
        ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "iso8859-1", "windows-1252", "cp1252"].contains(charset)
    }

    /// Bytes in `charset` as a String; invalid UTF-8 is read as Latin-1 (what 8-bit headers usually are).
    static func text<C: Collection>(_ bytes: C, charset: String) -> String where C.Element == UInt8 {
        if bytes.isEmpty { return "" }
        switch charset {
        case "iso-8859-1", "latin1", "iso8859-1", "windows-1252", "cp1252":
            return latin1(bytes)
        default:
            if let string = String(validating: bytes, as: UTF8.self) { return string }
            return latin1(bytes)
        }
    }

    private static func latin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// `text` as header bytes: as is when ASCII, else one RFC 2047 UTF-8 "B" encoded word per
    /// at most 45 bytes of whole characters (RFC 5293 wants non-ASCII values encoded).
    static func encodeHeader(_ text: String) -> [UInt8] {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return Array(text.utf8) }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(character.utf8)
            if chunk.count + bytes.count > 45 { words.append(encodedWord(chunk)); chunk = [] }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return Array(words.joined(separator: " ").utf8)
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + base64Encoded(bytes) + "?="
    }

    static func base64Encoded(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(index + 1 < bytes.count ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()

    /// Base64 decoding that skips line ends and other non-alphabet bytes, stopping at `=`.
    static func base64<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            if byte == UInt8(ascii: "=") { break }
            let value = base64Values[Int(byte)]
            if value == 255 { continue }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Quoted-printable decoding (soft line breaks removed; `_` is a space in header words).
    static func quotedPrintable<C: Collection>(_ input: C, underscoreIsSpace: Bool) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = input.startIndex
        while i < input.endIndex {
            let byte = input[i]
            if byte == UInt8(ascii: "=") {
                if i + 1 < input.endIndex, input[i + 1] == 10 { i += 2; continue }
                if i + 2 < input.endIndex, input[i + 1] == 13, input[i + 2] == 10 { i += 3; continue }
                if i + 2 < input.endIndex, let high = hexValue(input[i + 1]), let low = hexValue(input[i + 2]) {
                    out.append(high << 4 | low)
                    i += 3
                    continue
                }
                out.append(byte)
            } else if byte == UInt8(ascii: "_"), underscoreIsSpace {
                out.append(32)
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }
}
