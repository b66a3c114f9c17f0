import Glibc

/// One header field: its name as written and its value with folding removed.
public struct SieveHeaderField: Sendable, Hashable {
    public var name: String {
        didSet { lowercasedName = name.lowercased() }
    }
    /// The value bytes after the colon, line folds removed, leading/trailing blanks trimmed.
    public var value: [UInt8] {
        didSet { decodedValue = MIMEText.decodeHeader(value) }
    }
    /// `name` lower-cased once, for the many name comparisons of a run.
    private(set) var lowercasedName: String
    /// The value as RFC 5228 tests see it (RFC 2047 encoded words decoded), decoded once: a
    /// script tests the same few fields many times.
    private(set) var decodedValue: String

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
        lowercasedName = name.lowercased()
        decodedValue = MIMEText.decodeHeader(value)
    }

    func hasName(_ lowercased: String) -> Bool {
        lowercasedName == lowercased
    }
}

/// A message as the script sees it: header fields, and the body bytes after the blank line.
/// Parsed once; the body is never copied.
public struct SieveMessage: Sendable {
    /// The whole message as delivered (LF or CRLF line ends).
    public let bytes: [UInt8]
    /// The header fields in order.
    public let header: [SieveHeaderField]
    /// Where the body starts in `bytes`.
    public let bodyStart: Int
    /// The size `size` tests: line ends counted as CRLF.
    public let size: Int

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var fields: [SieveHeaderField] = []
        var index = 0
        var bodyStart = bytes.count
        size = bytes.count + Self.bareLineFeeds(in: bytes)
        var current: (name: String, value: [UInt8])?
        func flush() {
            if let field = current {
                fields.append(SieveHeaderField(name: field.name, value: Self.trimmed(field.value)))
            }
            current = nil
        }
        while index < bytes.count {
            var end = index
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            var contentEnd = end
            if contentEnd > index, bytes[contentEnd - 1] == 13 { contentEnd -= 1 }
            let next = min(end + 1, bytes.count)
            if contentEnd == index {
                bodyStart = next
                break
            }
            let first = bytes[index]
            if first == 32 || first == 9 {
                current?.value.append(contentsOf: bytes[index..<contentEnd])
            } else {
                flush()
                if let colon = bytes[index..<contentEnd].firstIndex(of: 58), colon > index {
                    var nameEnd = colon
                    while nameEnd > index, bytes[nameEnd - 1] == 32 || bytes[nameEnd - 1] == 9 { nameEnd -= 1 }
                    current = (String(decoding: bytes[index..<nameEnd], as: UTF8.self), Array(bytes[(colon + 1)..<contentEnd]))
                }
            }
            index = next
            if index >= bytes.count { bodyStart = bytes.count }
        }
        flush()
        header = fields
        self.bodyStart = bodyStart
    }

    /// The body bytes (after the blank line).
    var body: ArraySlice<UInt8> { bytes[bodyStart...] }

    /// How many LFs have no CR before them (found with memchr: a body is mostly long lines).
    static func bareLineFeeds(in bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var count = 0
            var offset = 0
            while offset < buffer.count, let found = memchr(base + offset, 10, buffer.count - offset) {
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if index == 0 || base[index - 1] != 13 { count += 1 }
                offset = index + 1
            }
            return count
        }
    }

    static func trimmed(_ value: [UInt8]) -> [UInt8] {
        var start = 0
        var end = value.count
        while start < end, value[start] == 32 || value[start] == 9 { start += 1 }
        while end > start, value[end - 1] == 32 || value[end - 1] == 9 || value[end - 1] == 13 { end -= 1 }
        return start == 0 && end == value.count ? value : Array(value[start..<end])
    }
}
