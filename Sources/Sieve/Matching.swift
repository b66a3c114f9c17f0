/// Comparators (RFC 4790) and match types (RFC 5228 / 5231) over UTF-8 bytes.
enum Matching {
    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    static func equal(_ a: [UInt8], _ b: [UInt8], _ comparator: Comparator) -> Bool {
        switch comparator {
        case .octet: return a == b
        case .asciiCasemap:
            guard a.count == b.count else { return false }
            for i in 0..<a.count where fold(a[i]) != fold(b[i]) { return false }
            return true
        case .asciiNumeric:
            return numericValue(a) == numericValue(b)
        }
    }

    /// i;ascii-numeric: the leading digits as a number, nil (positive infinity) when none.
    static func numericValue(_ bytes: [UInt8]) -> [UInt8]? {
        var start = 0
        while start < bytes.count, bytes[start] >= 48, bytes[start] <= 57 {
            start += 1
        }
        guard start > 0 else { return nil }
        var first = 0
        while first < start - 1, bytes[first] == 48 { first += 1 }
        return Array(bytes[first..<start])
    }

    /// Ordering under the comparator: negative, zero or positive.
    static func compare(_ a: [UInt8], _ b: [UInt8], _ comparator: Comparator) -> Int {
        switch comparator {
        case .asciiNumeric:
            switch (numericValue(a), numericValue(b)) {
            case (nil, nil): return 0
            case (nil, _): return 1
            case (_, nil): return -1
            case let (x?, y?):
                if x.count != y.count { return x.count < y.count ? -1 : 1 }
                return lexicographic(x, y, fold: false)
            }
        case .octet: return lexicographic(a, b, fold: false)
        case .asciiCasemap: return lexicographic(a, b, fold: true)
        }
    }

    private static func lexicographic(_ a: [UInt8], _ b: [UInt8], fold folding: Bool) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n {
            let x = folding ? fold(a[i]) : a[i]
            let y = folding ? fold(b[i]) : b[i]
            if x != y { return x < y ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func relation(_ order: Int, _ op: RelationalOperator) -> Bool {
        switch op {
        case .gt: return order > 0
        case .ge: return order >= 0
        case .lt: return order < 0
        case .le: return order <= 0
        case .eq: return order == 0
        case .ne: return order != 0
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8], _ comparator: Comparator) -> Bool {
        haystack.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { key in contains(text, key, comparator) }
        }
    }

    /// `:contains` on bytes in place (a body text is scanned where it is, never copied).
    static func contains(_ text: UnsafeBufferPointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>, _ comparator: Comparator) -> Bool {
        if key.isEmpty { return true }
        guard text.count >= key.count else { return false }
        let folding = comparator == .asciiCasemap
        let first = folding ? fold(key[0]) : key[0]
        let firstOther = folding && first >= 97 && first <= 122 ? first - 32 : first
        let last = text.count - key.count
        var i = 0
        while i <= last {
            i = nextCandidate(text, from: i, upTo: last, first, firstOther)
            guard i <= last else { return false }
            var j = 1
            while j < key.count {
                let x = folding ? fold(text[i + j]) : text[i + j]
                let y = folding ? fold(key[j]) : key[j]
                if x != y { break }
                j += 1
            }
            if j == key.count { return true }
            i += 1
        }
        return false
    }

    /// The first position at or after `start` (and at most `last`) holding `a` or `b`, or
    /// `last + 1`; eight bytes at a time where there are eight to read (a body text is mostly
    /// bytes that cannot start the key).
    @inline(__always)
    static func nextCandidate(_ text: UnsafeBufferPointer<UInt8>, from start: Int, upTo last: Int, _ a: UInt8, _ b: UInt8) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let spreadA = UInt64(a) &* ones, spreadB = UInt64(b) &* ones
        var i = start
        if let base = text.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= last + 1 {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let x = word ^ spreadA, y = word ^ spreadB
                if ((x &- ones) & ~x & highs) | ((y &- ones) & ~y & highs) != 0 { break }
                i += 8
            }
        }
        while i <= last, text[i] != a, text[i] != b { i += 1 }
        return i
    }

    /// Length of the UTF-8 sequence starting with `lead` (1 for stray bytes).
    @inline(__always) static func sequenceLength(_ lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// `:matches`: `*` any run, `?` one character, `\` quotes the next character. Earlier
    /// wildcards match as little as possible (RFC 5229's examples). On success, the text each
    /// wildcard matched, in order, after the whole value.
    static func glob(_ text: [UInt8], _ pattern: [UInt8], _ comparator: Comparator, captures: Bool) -> [String]? {
        let folding = comparator == .asciiCasemap
        var ranges: [Range<Int>] = []
        var t = 0, p = 0
        var starP = -1, starT = 0, starCapture = 0
        while t < text.count || p < pattern.count {
            if p < pattern.count {
                let c = pattern[p]
                if c == UInt8(ascii: "*") {
                    if captures { ranges.append(t..<t) }
                    starP = p; starT = t; starCapture = ranges.count - 1
                    p += 1
                    continue
                }
                if c == UInt8(ascii: "?"), t < text.count {
                    let length = min(sequenceLength(text[t]), text.count - t)
                    if captures { ranges.append(t..<(t + length)) }
                    t += length; p += 1
                    continue
                }
                if c != UInt8(ascii: "?"), t < text.count {
                    var literal = c
                    var width = 1
                    if c == UInt8(ascii: "\\"), p + 1 < pattern.count { literal = pattern[p + 1]; width = 2 }
                    let x = folding ? fold(text[t]) : text[t]
                    let y = folding ? fold(literal) : literal
                    if x == y { t += 1; p += width; continue }
                }
            }
            guard starP >= 0, starT < text.count else { return nil }
            starT += min(sequenceLength(text[starT]), text.count - starT)
            t = starT
            p = starP + 1
            if captures {
                ranges.removeSubrange((starCapture + 1)...)
                ranges[starCapture] = ranges[starCapture].lowerBound..<t
            }
        }
        guard captures else { return [] }
        return [MIMEText.text(text, charset: "utf-8")] + ranges.map { MIMEText.text(text[$0], charset: "utf-8") }
    }
}
