/// The header a copy is stored with instead of the received one (Sieve's editheader): the
/// edited fields written out, and where the received body starts. Depends on nothing.
struct ReplacedHeader: Hashable {
    /// The new header block, its empty line included.
    let bytes: [UInt8]
    /// Where the received message's body starts (after its own header block).
    let bodyStart: Int

    /// `fields` written as a header for `message`, in the line ends it uses.
    init(_ fields: [(name: String, value: [UInt8])], replacingHeaderOf message: [UInt8], bodyStart: Int) {
        bytes = Self.render(fields, lineEnd: Self.lineEnd(of: message))
        self.bodyStart = bodyStart
    }

    /// The line end the message uses (CRLF when its first line ends so, else LF).
    private static func lineEnd(of bytes: [UInt8]) -> [UInt8] {
        guard let lf = bytes.firstIndex(of: 0x0A) else { return [0x0A] }
        return lf > 0 && bytes[lf - 1] == 0x0D ? [0x0D, 0x0A] : [0x0A]
    }

    /// `Name: value` lines and the empty line that ends the header. CR, LF and NUL inside a
    /// value become spaces (a value can never start a new field); a line longer than 78 bytes
    /// is folded at its last blank before 78 where there is one (RFC 5322 2.2.3).
    private static func render(_ fields: [(name: String, value: [UInt8])], lineEnd: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields {
            var line = Array(field.name.utf8) + [0x3A, 0x20]
            line += field.value.map { $0 == 0x0D || $0 == 0x0A || $0 == 0 ? 0x20 : $0 }
            out += fold(line, lineEnd: lineEnd)
            out += lineEnd
        }
        return out + lineEnd
    }

    private static func fold(_ line: [UInt8], lineEnd: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var rest = line[...]
        while rest.count > 78 {
            let window = rest.prefix(78)
            guard let blank = window.dropFirst().lastIndex(where: { $0 == 0x20 || $0 == 0x09 }), blank > rest.startIndex + 1 else { break }
            out += rest[..<blank]
            out += lineEnd
            rest = rest[blank...]
        }
        return out + rest
    }
}
