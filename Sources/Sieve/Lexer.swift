/// One lexical token of RFC 5228 section 8.1.
enum Token: Equatable {
    case identifier(String)
    case tag(String)
    case number(Int)
    case string(String)
    /// One of `; , ( ) [ ] { }`.
    case punctuation(UInt8)
    case end
}

/// A token and where it starts.
struct LocatedToken {
    var token: Token
    var location: SourceLocation
}

/// Splits script bytes into tokens: comments (`#` and `/* */`), quoted strings with `\`
/// escapes, `text:` multi-line strings with dot-stuffing, numbers with K/M/G.
struct Lexer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: index - lineStart + 1) }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    /// The next token, or an error at the place it is found.
    mutating func next() throws(SieveDiagnostic) -> LocatedToken {
        try skipWhitespaceAndComments()
        let start = location
        guard let byte = peek() else { return LocatedToken(token: .end, location: start) }
        switch byte {
        case UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            advance()
            return LocatedToken(token: .punctuation(byte), location: start)
        case UInt8(ascii: "\""):
            return LocatedToken(token: .string(try quotedString(start)), location: start)
        case UInt8(ascii: ":"):
            advance()
            guard let first = peek(), Self.isIdentifierStart(first) else {
                throw SieveDiagnostic(start, "a tag must be ':' followed by a name")
            }
            return LocatedToken(token: .tag(identifier().lowercased()), location: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return LocatedToken(token: .number(try number(start)), location: start)
        default:
            guard Self.isIdentifierStart(byte) else {
                throw SieveDiagnostic(start, "unexpected character \(Self.describe(byte))")
            }
            let name = identifier()
            if name.lowercased() == "text", peek() == UInt8(ascii: ":") {
                advance()
                return LocatedToken(token: .string(try multiLineString(start)), location: start)
            }
            return LocatedToken(token: .identifier(name.lowercased()), location: start)
        }
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }

    private mutating func skipWhitespaceAndComments() throws(SieveDiagnostic) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                advance()
            case UInt8(ascii: "#"):
                while let c = peek(), c != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = location
                advance(); advance()
                while true {
                    guard let c = peek() else { throw SieveDiagnostic(start, "unterminated /* comment") }
                    if c == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance(); advance()
                        break
                    }
                    advance()
                }
            default:
                return
            }
        }
    }

    private mutating func identifier() -> String {
        let start = index
        while let c = peek(), Self.isIdentifierByte(c) { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func number(_ start: SourceLocation) throws(SieveDiagnostic) -> Int {
        var value = 0
        while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            guard !o1, !o2, sum <= Int(Int32.max) * 4 else { throw SieveDiagnostic(start, "number too large") }
            value = sum
            advance()
        }
        if let c = peek() {
            let shift: Int
            switch c | 0x20 {
            case UInt8(ascii: "k"): shift = 10
            case UInt8(ascii: "m"): shift = 20
            case UInt8(ascii: "g"): shift = 30
            default: shift = 0
            }
            if shift > 0 {
                advance()
                guard value <= (Int(UInt32.max) * 4) >> shift else { throw SieveDiagnostic(start, "number too large") }
                value <<= shift
            }
        }
        if let c = peek(), Self.isIdentifierStart(c) {
            throw SieveDiagnostic(location, "unexpected character \(Self.describe(c)) after a number")
        }
        return value
    }

    private mutating func quotedString(_ start: SourceLocation) throws(SieveDiagnostic) -> String {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw SieveDiagnostic(start, "unterminated quoted string") }
            advance()
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                guard let escaped = peek() else { throw SieveDiagnostic(start, "unterminated quoted string") }
                advance()
                out.append(escaped)
            } else if c == UInt8(ascii: "\r"), peek() == UInt8(ascii: "\n") {
                continue
            } else if c == UInt8(ascii: "\n") {
                out.append(UInt8(ascii: "\r")); out.append(c)
            } else {
                out.append(c)
            }
        }
        return try text(out, start)
    }

    /// `text:` then spaces, then a comment or the line end; lines until one holding only ".";
    /// a line starting with ".." loses its first dot. Line ends become CRLF.
    private mutating func multiLineString(_ start: SourceLocation) throws(SieveDiagnostic) -> String {
        while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { advance() }
        if peek() == UInt8(ascii: "#") {
            while let c = peek(), c != UInt8(ascii: "\n") { advance() }
        }
        if peek() == UInt8(ascii: "\r") { advance() }
        guard peek() == UInt8(ascii: "\n") else { throw SieveDiagnostic(location, "text: must be followed by a line end") }
        advance()
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw SieveDiagnostic(start, "unterminated text: string (no line with a single '.')") }
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var content = index..<end
            if content.upperBound > content.lowerBound, bytes[content.upperBound - 1] == UInt8(ascii: "\r") {
                content = content.lowerBound..<(content.upperBound - 1)
            }
            let isLast = end >= bytes.count
            while index < end { advance() }
            if !isLast { advance() }
            if content.count == 1, bytes[content.lowerBound] == UInt8(ascii: ".") { break }
            if isLast { throw SieveDiagnostic(start, "unterminated text: string (no line with a single '.')") }
            var from = content.lowerBound
            if content.count >= 2, bytes[from] == UInt8(ascii: "."), bytes[from + 1] == UInt8(ascii: ".") { from += 1 }
            out.append(contentsOf: bytes[from..<content.upperBound])
            out.append(UInt8(ascii: "\r")); out.append(UInt8(ascii: "\n"))
        }
        return try text(out, start)
    }

    private func text(_ bytes: [UInt8], _ start: SourceLocation) throws(SieveDiagnostic) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw SieveDiagnostic(start, "string is not valid UTF-8")
        }
        return string
    }
}
