/// POSIX extended regular expressions (the `regex` extension) compiled for a Pike virtual
/// machine: every match runs in time proportional to text length × program size, with no
/// backtracking, so no pattern can make a delivery hang; `maxSteps` is a further hard bound.
/// Glibc's regexec was not used because it cannot be bounded (back-references make it
/// exponential and it has no step limit). Differences from POSIX, on purpose: alternatives
/// are tried left first (not leftmost-longest), `.` and bracket expressions match one byte,
/// and back-references are refused at compile time.
struct RegexProgram {
    enum Instruction {
        case byte(UInt8)
        case set([Bool])
        case any
        case split(Int, Int)
        case jump(Int)
        case save(Int)
        case lineStart
        case lineEnd
        case match
    }

    let code: [Instruction]
    let groupCount: Int

    /// Compiles `pattern`; `caseInsensitive` folds ASCII letters (i;ascii-casemap).
    init(_ pattern: String, caseInsensitive: Bool, maxProgramSize: Int = 20_000) throws(RegexError) {
        var parser = RegexParser(Array(pattern.utf8), caseInsensitive: caseInsensitive)
        let tree = try parser.parse()
        var emitter = RegexEmitter(limit: maxProgramSize)
        emitter.code.append(.save(0))
        try emitter.emit(tree)
        emitter.code.append(.save(1))
        emitter.code.append(.match)
        code = emitter.code
        groupCount = parser.groupCount
    }

    /// The texts of the whole match and of each group (empty for a group that did not take
    /// part), or nil when there is no match or the step bound was reached.
    func firstMatch(in text: [UInt8], maxSteps: Int) -> [String]? {
        let slots = (groupCount + 1) * 2
        var current: [(pc: Int, saved: [Int])] = []
        var next: [(pc: Int, saved: [Int])] = []
        var seen = [Int](repeating: 0, count: code.count)
        var matched: [Int]?
        var steps = 0
        var generation = 0

        func addThread(_ list: inout [(pc: Int, saved: [Int])], _ pc: Int, _ saved: [Int], _ position: Int) {
            var stack: [(Int, [Int])] = [(pc, saved)]
            while let (pc, saved) = stack.popLast() {
                steps += 1
                guard seen[pc] != generation else { continue }
                seen[pc] = generation
                switch code[pc] {
                case .jump(let target): stack.append((target, saved))
                case .split(let first, let second):
                    stack.append((second, saved))
                    stack.append((first, saved))
                case .save(let slot):
                    var copy = saved
                    if slot < copy.count { copy[slot] = position }
                    stack.append((pc + 1, copy))
                case .lineStart:
                    if position == 0 { stack.append((pc + 1, saved)) }
                case .lineEnd:
                    if position == text.count { stack.append((pc + 1, saved)) }
                default:
                    list.append((pc, saved))
                }
            }
        }

        let initial = [Int](repeating: -1, count: slots)
        var position = 0
        generation = 1
        addThread(&current, 0, initial, 0)
        while !current.isEmpty, steps <= maxSteps {
            generation += 1
            next.removeAll(keepingCapacity: true)
            let byte: UInt8? = position < text.count ? text[position] : nil
            threads: for thread in current {
                steps += 1
                switch code[thread.pc] {
                case .match:
                    matched = thread.saved
                    break threads
                case .byte(let wanted):
                    if byte == wanted { addThread(&next, thread.pc + 1, thread.saved, position + 1) }
                case .set(let members):
                    if let byte, members[Int(byte)] { addThread(&next, thread.pc + 1, thread.saved, position + 1) }
                case .any:
                    if byte != nil { addThread(&next, thread.pc + 1, thread.saved, position + 1) }
                default:
                    break
                }
            }
            if position >= text.count { break }
            position += 1
            if matched == nil { addThread(&next, 0, initial, position) }
            swap(&current, &next)
        }
        guard steps <= maxSteps, let saved = matched else { return nil }
        return (0...groupCount).map { group in
            let start = saved[group * 2], end = saved[group * 2 + 1]
            guard start >= 0, end >= start else { return "" }
            return MIMEText.text(text[start..<end], charset: "utf-8")
        }
    }
}

/// Why a pattern does not compile.
struct RegexError: Error {
    var message: String
}
