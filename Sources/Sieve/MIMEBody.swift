/// The MIME structure of a body as the `body` test needs it (RFC 5173): parts with their
/// content type, transfer-decoded, text converted from its charset.
enum MIMEBody {
    /// A `Content-Type` value: lower-cased type and subtype, and parameters (names lower-cased).
    struct ContentType {
        var type = "text"
        var subtype = "plain"
        var parameters: [String: String] = [:]

        init() {}

        init(_ value: String) {
            let pieces = Self.splitParameters(value)
            guard let first = pieces.first else { return }
            let mediaType = first.split(separator: "/", maxSplits: 1)
            guard mediaType.count == 2 else { return }
            type = mediaType[0].trimmingBlanks().lowercased()
            subtype = mediaType[1].trimmingBlanks().lowercased()
            for piece in pieces.dropFirst() {
                guard let equals = piece.firstIndex(of: "=") else { continue }
                let name = piece[..<equals].trimmingBlanks().lowercased()
                var value = piece[piece.index(after: equals)...].trimmingBlanks()
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast()).replacingBackslashEscapes()
                }
                parameters[name] = value
            }
        }

        /// `;`-separated pieces, semicolons inside quotes kept.
        private static func splitParameters(_ value: String) -> [String] {
            var pieces: [String] = []
            var current = ""
            var quoted = false
            var escaped = false
            for character in value {
                if escaped { current.append(character); escaped = false; continue }
                if character == "\\", quoted { current.append(character); escaped = true; continue }
                if character == "\"" { quoted.toggle() }
                if character == ";", !quoted { pieces.append(current); current = ""; continue }
                current.append(character)
            }
            pieces.append(current)
            return pieces
        }
    }

    /// The texts `body :content types` (or `:text`) compares: one per matching leaf part.
    static func texts(of message: SieveMessage, types: [String]) -> [String] {
        var out: [String] = []
        collect(header: message.header, body: message.body, defaultType: ContentType(), types: types, depth: 0, into: &out)
        return out
    }

    private static func headerValue(_ header: [SieveHeaderField], _ name: String) -> String? {
        header.first { $0.hasName(name) }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    private static func matches(_ type: ContentType, _ wanted: [String]) -> Bool {
        wanted.contains { want in
            let lowered = want.lowercased()
            if lowered.isEmpty { return true }
            if let slash = lowered.firstIndex(of: "/") {
                return lowered[..<slash] == type.type && lowered[lowered.index(after: slash)...] == type.subtype
            }
            return lowered == type.type
        }
    }

    private static func collect(header: [SieveHeaderField], body: ArraySlice<UInt8>, defaultType: ContentType,
                                types: [String], depth: Int, into out: inout [String]) {
        guard depth < 16 else { return }
        let contentType = headerValue(header, "content-type").map(ContentType.init) ?? defaultType
        if contentType.type == "multipart" {
            guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty else { return }
            let childDefault: ContentType = {
                var type = ContentType()
                if contentType.subtype == "digest" { type.type = "message"; type.subtype = "rfc822" }
                return type
            }()
            for part in parts(of: body, boundary: Array(boundary.utf8)) {
                let (partHeader, partBody) = split(part)
                collect(header: partHeader, body: partBody, defaultType: childDefault, types: types, depth: depth + 1, into: &out)
            }
            return
        }
        let decoded = transferDecoded(body, encoding: headerValue(header, "content-transfer-encoding"))
        if contentType.type == "message", contentType.subtype == "rfc822" {
            if matches(contentType, types) { out.append(MIMEText.text(decoded, charset: "utf-8")) }
            let inner = SieveMessage(bytes: decoded)
            collect(header: inner.header, body: inner.body, defaultType: ContentType(), types: types, depth: depth + 1, into: &out)
            return
        }
        guard matches(contentType, types) else { return }
        let charset = contentType.type == "text" ? (contentType.parameters["charset"]?.lowercased() ?? "us-ascii") : "utf-8"
        out.append(MIMEText.text(decoded, charset: charset))
    }

    static func transferDecoded(_ body: ArraySlice<UInt8>, encoding: String?) -> [UInt8] {
        switch encoding?.trimmingBlanks().lowercased() {
        case "base64": return MIMEText.base64(body)
        case "quoted-printable": return MIMEText.quotedPrintable(body, underscoreIsSpace: false)
        default: return Array(body)
        }
    }

    /// Header fields and body of one part.
    private static func split(_ part: ArraySlice<UInt8>) -> ([SieveHeaderField], ArraySlice<UInt8>) {
        let entity = SieveMessage(bytes: Array(part))
        return (entity.header, entity.body)
    }

    /// The parts between `--boundary` lines (the last one `--boundary--`), without the line
    /// end before each delimiter.
    static func parts(of body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var lineStart = body.startIndex
        var partStart: Int?
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex, body[lineEnd] != 10 { lineEnd += 1 }
            if isDelimiter(body, lineStart, lineEnd, boundary) {
                if let start = partStart {
                    var end = lineStart
                    if end > start, body[end - 1] == 10 { end -= 1 }
                    if end > start, body[end - 1] == 13 { end -= 1 }
                    parts.append(body[start..<max(start, end)])
                }
                let closing = lineStart + 2 + boundary.count + 1 < body.endIndex
                    && body[lineStart + 2 + boundary.count] == UInt8(ascii: "-")
                    && body[lineStart + 2 + boundary.count + 1] == UInt8(ascii: "-")
                if closing { return parts }
                partStart = min(lineEnd + 1, body.endIndex)
            }
            lineStart = lineEnd + 1
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }

    private static func isDelimiter(_ body: ArraySlice<UInt8>, _ start: Int, _ end: Int, _ boundary: [UInt8]) -> Bool {
        guard end - start >= boundary.count + 2, body[start] == UInt8(ascii: "-"), body[start + 1] == UInt8(ascii: "-") else { return false }
        for (offset, byte) in boundary.enumerated() where body[start + 2 + offset] != byte { return false }
        return true
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line ends.
    func trimmingBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t", "\r", "\n"]
        var scalars = Substring(self)
        while let first = scalars.first, blanks.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, blanks.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }

    func replacingBackslashEscapes() -> String {
        var out = ""
        var escaped = false
        for character in self {
            if escaped || character != "\\" { out.append(character); escaped = false } else { escaped = true }
        }
        return out
    }
}
