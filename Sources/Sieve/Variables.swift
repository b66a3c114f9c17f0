/// RFC 5229 variables: one script's own names, the shared `global` ones, match variables.
struct VariableFrame {
    var values: [String: String] = [:]
    var globalNames: Set<String> = []
}

extension Interpreter {
    /// The value of variable `name` (lower-cased), empty when unset.
    func variable(_ name: String) -> String {
        if let first = name.utf8.first, first >= 48, first <= 57 {
            guard let index = Int(name), index < matchVariables.count else { return "" }
            return matchVariables[index]
        }
        if name.hasPrefix("global.") { return globals[String(name.dropFirst(7))] ?? "" }
        if frame.globalNames.contains(name) { return globals[name] ?? "" }
        return frame.values[name] ?? ""
    }

    func assign(_ name: String, _ value: String) {
        let limited = truncated(value, context.limits.maxVariableSize)
        if name.hasPrefix("global.") {
            globals[String(name.dropFirst(7))] = limited
        } else if frame.globalNames.contains(name) {
            globals[name] = limited
        } else {
            frame.values[name] = limited
        }
    }

    /// `text` cut to at most `limit` bytes at a character boundary.
    func truncated(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > limit { break }
            out.append(character)
            used += size
        }
        return out
    }

    /// The string with `${name}` references replaced (unknown names give the empty string;
    /// malformed references stay as written).
    func expand(_ string: ScriptString) -> String {
        guard string.hasVariables else { return string.text }
        let bytes = Array(string.text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                var j = i + 2
                while j < bytes.count, Lexer.isIdentifierByte(bytes[j]) || bytes[j] == UInt8(ascii: ".") { j += 1 }
                if j > i + 2, j < bytes.count, bytes[j] == UInt8(ascii: "}") {
                    let name = String(decoding: bytes[(i + 2)..<j], as: UTF8.self).lowercased()
                    let isNumber = name.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
                    if isNumber || Validation.isValidVariableName(name) {
                        out.append(contentsOf: variable(name).utf8)
                        i = j + 1
                        continue
                    }
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return truncated(String(decoding: out, as: UTF8.self), context.limits.maxVariableSize * 4)
    }

    func expand(_ strings: [ScriptString]) -> [String] { strings.map { expand($0) } }

    /// `set` modifiers applied, highest precedence first.
    static func apply(_ modifiers: [SetModifier], to value: String) -> String {
        var text = value
        for modifier in modifiers {
            switch modifier {
            case .lower: text = String(String.UnicodeScalarView(text.unicodeScalars.map { asciiLower($0) }))
            case .upper: text = String(String.UnicodeScalarView(text.unicodeScalars.map { asciiUpper($0) }))
            case .lowerFirst:
                if let first = text.unicodeScalars.first { text = String(asciiLower(first)) + String(text.unicodeScalars.dropFirst()) }
            case .upperFirst:
                if let first = text.unicodeScalars.first { text = String(asciiUpper(first)) + String(text.unicodeScalars.dropFirst()) }
            case .quoteWildcard:
                text = escaping(text, "*?\\")
            case .quoteRegex:
                text = escaping(text, "\\^$.[]()|*+?{}")
            case .length:
                text = String(text.count)
            }
        }
        return text
    }

    private static func asciiLower(_ s: Unicode.Scalar) -> Unicode.Scalar {
        s.value >= 65 && s.value <= 90 ? Unicode.Scalar(UInt8(s.value) | 0x20) : s
    }

    private static func asciiUpper(_ s: Unicode.Scalar) -> Unicode.Scalar {
        s.value >= 97 && s.value <= 122 ? Unicode.Scalar(UInt8(s.value) & ~0x20) : s
    }

    private static func escaping(_ text: String, _ specials: String) -> String {
        var out = ""
        for c in text {
            if specials.contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
