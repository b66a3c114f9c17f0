/// Making untrusted text safe for a header line or a reply line.
enum HeaderText {
    /// `text` with every byte outside printable ASCII (0x20–0x7E) replaced by `?`, cut to
    /// `limit` bytes and trimmed of spaces at both ends.
    static func sanitized(_ text: String, limit: Int = 998) -> String {
        sanitized(bytes: Array(text.utf8), limit: limit)
    }

    /// For an SMTPUTF8 transaction (RFC 6532): control characters replaced by `?`, other
    /// characters kept, cut at a character boundary within `limit` bytes, trimmed of spaces.
    static func sanitizedUTF8(_ text: String, limit: Int = 998) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            let kept: Unicode.Scalar = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
            count += String(kept).utf8.count
            if count > limit { break }
            out.unicodeScalars.append(kept)
        }
        while out.last == " " { out.removeLast() }
        while out.first == " " { out.removeFirst() }
        return out
    }

    /// Same, from bytes (which need not be UTF-8).
    static func sanitized<Bytes: Collection>(bytes: Bytes, limit: Int = 998) -> String
    where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(Swift.min(bytes.count, limit))
        for byte in bytes {
            if out.count >= limit { break }
            out.append((0x20...0x7E).contains(byte) ? byte : UInt8(ascii: "?"))
        }
        while out.last == 0x20 { out.removeLast() }
        let start = out.firstIndex { $0 != 0x20 } ?? out.endIndex
        return String(decoding: out[start...], as: UTF8.self)
    }
}
