/// ASCII byte classes as the C library's `isspace`/`isalnum` see them in the C locale
/// (what Cyrus's readers use): non-ASCII bytes are neither space nor alnum.
extension UInt8 {
    /// Space, tab, newline, vertical tab, form feed, carriage return.
    var isCSpace: Bool { self == 0x20 || (self >= 0x09 && self <= 0x0D) }

    /// ASCII letter or digit.
    var isCAlnum: Bool { isCDigit || isCLetter }

    var isCDigit: Bool { self >= 0x30 && self <= 0x39 }

    var isCLetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }

    /// ASCII lower-case of a letter; other bytes unchanged.
    var asciiLowercased: UInt8 { (self >= 0x41 && self <= 0x5A) ? self + 0x20 : self }
}

extension Collection where Element == UInt8 {
    /// The bytes as a `String` if they are valid UTF-8 (decoding replaces invalid sequences,
    /// so the round trip differs exactly when the input is invalid).
    var validUTF8: String? {
        let text = String(decoding: self, as: UTF8.self)
        return text.utf8.elementsEqual(self) ? text : nil
    }

    /// The bytes as a `String`, invalid sequences replaced (for messages only).
    var lossyString: String { String(decoding: self, as: UTF8.self) }
}

/// Quoting for messages: `"value"`, with control characters made visible.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\n": out += "\\n"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\x" + String(scalar.value, radix: 16, uppercase: true)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// A byte for messages, e.g. `'-'`, `'\x00'`.
func quotedByte(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    if byte == 0x20 { return "' '" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "'\\x" + (hex.count == 1 ? "0" + hex : hex) + "'"
}
