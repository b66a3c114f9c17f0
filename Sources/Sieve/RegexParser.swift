/// A parsed POSIX extended regular expression.
indirect enum RegexNode {
    case empty
    case byte(UInt8)
    case set([Bool])
    case any
    case concat([RegexNode])
    case alternation([RegexNode])
    case group(Int, RegexNode)
    case repetition(RegexNode, min: Int, max: Int?)
    case lineStart
    case lineEnd
}

/// Recursive-descent parser of ERE syntax: `| ( ) [ ] . ^ $ * + ? {n,m}` and `\` quoting.
struct RegexParser {
    private let bytes: [UInt8]
    private let caseInsensitive: Bool
    private var index = 0
    private var depth = 0
    private(set) var groupCount = 0

    init(_ bytes: [UInt8], caseInsensitive: Bool) {
        self.bytes = bytes
        self.caseInsensitive = caseInsensitive
    }

    mutating func parse() throws(RegexError) -> RegexNode {
        let node = try alternation()
        guard index == bytes.count else { throw RegexError(message: "unmatched ')'") }
        return node
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func alternation() throws(RegexError) -> RegexNode {
        var branches = [try concatenation()]
        while peek() == UInt8(ascii: "|") {
            index += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation() throws(RegexError) -> RegexNode {
        var pieces: [RegexNode] = []
        while let c = peek(), c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
            var atom = try self.atom()
            while let q = peek() {
                if q == UInt8(ascii: "*") { atom = .repetition(atom, min: 0, max: nil); index += 1 }
                else if q == UInt8(ascii: "+") { atom = .repetition(atom, min: 1, max: nil); index += 1 }
                else if q == UInt8(ascii: "?") { atom = .repetition(atom, min: 0, max: 1); index += 1 }
                else if q == UInt8(ascii: "{"), let (low, high) = try bounds() { atom = .repetition(atom, min: low, max: high) }
                else { break }
            }
            pieces.append(atom)
        }
        return pieces.count == 1 ? pieces[0] : (pieces.isEmpty ? .empty : .concat(pieces))
    }

    /// `{n}`, `{n,}`, `{n,m}` (at most 255); nil (and `{` read as a literal) otherwise.
    private mutating func bounds() throws(RegexError) -> (Int, Int?)? {
        var i = index + 1
        func number() -> Int? {
            var value: Int?
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                value = min((value ?? 0) * 10 + Int(bytes[i] - 48), 100_000)
                i += 1
            }
            return value
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
            i += 1
            high = number()
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "}") else { throw RegexError(message: "unterminated {} bound") }
        guard low <= 255, (high ?? 0) <= 255, high.map({ $0 >= low }) ?? true else {
            throw RegexError(message: "invalid {} bound")
        }
        index = i + 1
        return (low, high)
    }

    private func literal(_ byte: UInt8) -> RegexNode {
        let folded = Matching.fold(byte)
        guard caseInsensitive, folded >= 97, folded <= 122 else { return .byte(byte) }
        var members = [Bool](repeating: false, count: 256)
        members[Int(folded)] = true
        members[Int(folded - 32)] = true
        return .set(members)
    }

    private mutating func atom() throws(RegexError) -> RegexNode {
        guard let c = peek() else { throw RegexError(message: "unexpected end") }
        index += 1
        switch c {
        case UInt8(ascii: "("):
            depth += 1
            guard depth <= 64 else { throw RegexError(message: "parentheses nested too deeply") }
            groupCount += 1
            let number = groupCount
            let inner = try alternation()
            guard peek() == UInt8(ascii: ")") else { throw RegexError(message: "unmatched '('") }
            index += 1
            depth -= 1
            return .group(number, inner)
        case UInt8(ascii: "["): return try bracket()
        case UInt8(ascii: "."): return .any
        case UInt8(ascii: "^"): return .lineStart
        case UInt8(ascii: "$"): return .lineEnd
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
            throw RegexError(message: "repetition operator with nothing to repeat")
        case UInt8(ascii: "\\"):
            guard let quoted = peek() else { throw RegexError(message: "trailing backslash") }
            index += 1
            if quoted >= 49, quoted <= 57 { throw RegexError(message: "back-references are not supported") }
            return literal(quoted)
        default:
            return literal(c)
        }
    }

    private static func characterClass(_ name: String) -> ((UInt8) -> Bool)? {
        let classes: [String: (UInt8) -> Bool] = [
        "alpha": { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 },
        "digit": { $0 >= 48 && $0 <= 57 },
        "alnum": { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 || ($0 >= 48 && $0 <= 57) },
        "upper": { $0 >= 65 && $0 <= 90 },
        "lower": { $0 >= 97 && $0 <= 122 },
        "space": { $0 == 32 || ($0 >= 9 && $0 <= 13) },
        "blank": { $0 == 32 || $0 == 9 },
        "punct": { ($0 >= 33 && $0 <= 47) || ($0 >= 58 && $0 <= 64) || ($0 >= 91 && $0 <= 96) || ($0 >= 123 && $0 <= 126) },
        "print": { $0 >= 32 && $0 <= 126 },
        "graph": { $0 >= 33 && $0 <= 126 },
        "cntrl": { $0 < 32 || $0 == 127 },
        "xdigit": { ($0 >= 48 && $0 <= 57) || (($0 | 0x20) >= 97 && ($0 | 0x20) <= 102) },
        ]
        return classes[name]
    }

    private mutating func bracket() throws(RegexError) -> RegexNode {
        var members = [Bool](repeating: false, count: 256)
        var negated = false
        if peek() == UInt8(ascii: "^") { negated = true; index += 1 }
        var first = true
        while true {
            guard let c = peek() else { throw RegexError(message: "unterminated bracket expression") }
            if c == UInt8(ascii: "]"), !first { index += 1; break }
            first = false
            if c == UInt8(ascii: "["), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":") {
                let nameStart = index + 2
                var end = nameStart
                while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: ":") && bytes[end + 1] == UInt8(ascii: "]")) { end += 1 }
                guard end + 1 < bytes.count, let test = Self.characterClass(String(decoding: bytes[nameStart..<end], as: UTF8.self)) else {
                    throw RegexError(message: "unknown character class")
                }
                for b in 0..<256 where test(UInt8(b)) { members[b] = true }
                index = end + 2
                continue
            }
            index += 1
            var high = c
            if peek() == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                high = bytes[index + 1]
                index += 2
                guard high >= c else { throw RegexError(message: "invalid range in bracket expression") }
            }
            for b in c...high { members[Int(b)] = true }
        }
        if caseInsensitive {
            for b in 65...90 where members[b] || members[b + 32] { members[b] = true; members[b + 32] = true }
        }
        if negated { members = members.map { !$0 } }
        return .set(members)
    }
}

/// Turns the tree into Pike-VM instructions, refusing programs above `limit` instructions.
struct RegexEmitter {
    var code: [RegexProgram.Instruction] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    private mutating func append(_ instruction: RegexProgram.Instruction) throws(RegexError) {
        guard code.count < limit else { throw RegexError(message: "regular expression too large") }
        code.append(instruction)
    }

    mutating func emit(_ node: RegexNode) throws(RegexError) {
        switch node {
        case .empty: break
        case .byte(let b): try append(.byte(b))
        case .set(let members): try append(.set(members))
        case .any: try append(.any)
        case .lineStart: try append(.lineStart)
        case .lineEnd: try append(.lineEnd)
        case .concat(let nodes): for n in nodes { try emit(n) }
        case .group(let number, let inner):
            try append(.save(number * 2))
            try emit(inner)
            try append(.save(number * 2 + 1))
        case .alternation(let branches):
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = code.count
                    try append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(code.count)
                    try append(.jump(0))
                    code[split] = .split(split + 1, code.count)
                } else {
                    try emit(branch)
                }
            }
            for j in jumps { code[j] = .jump(code.count) }
        case .repetition(let inner, let low, let high):
            for _ in 0..<low { try emit(inner) }
            if let high {
                var splits: [Int] = []
                for _ in low..<high {
                    splits.append(code.count)
                    try append(.split(code.count + 1, 0))
                    try emit(inner)
                }
                for s in splits { code[s] = .split(s + 1, code.count) }
            } else {
                let loop = code.count
                try append(.split(loop + 1, 0))
                try emit(inner)
                try append(.jump(loop))
                code[loop] = .split(loop + 1, code.count)
            }
        }
    }
}
