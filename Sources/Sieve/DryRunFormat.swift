/// The dry-run report `sievetest` prints: a status line, then one sorted line per action.
public enum SieveDryRunFormat {
    /// `status=...` then the action lines, sorted.
    public static func lines(_ result: SieveResult) -> [String] {
        ["status=\(result.status.rawValue)"] + result.actions.map(line).sorted()
    }

    /// What a script that does not compile gives: the implicit keep.
    public static func compileErrorLines() -> [String] {
        ["status=compile_error", line(.store(mailbox: "INBOX", flags: [], create: false, copy: false, implicit: true))]
    }

    /// One action in the dry-run form.
    public static func line(_ action: SieveAction) -> String {
        switch action {
        case .store(let mailbox, let flags, let create, let copy, let implicit):
            return "store mailbox=\(mailbox) flags=\(flagList(flags)) create=\(bit(create)) copy=\(bit(copy)) implicit=\(bit(implicit))"
        case .redirect(let address, let copy):
            return "redirect to=\(address) copy=\(bit(copy))"
        case .reject(let reason, _):
            return "reject reason=\(json(reason))"
        case .discard:
            return "discard"
        case .vacation(let vacation):
            return "vacation seconds=\(vacation.seconds) subject=\(vacation.subject.map(json) ?? "-") from=\(vacation.from ?? "-") body=\(json(vacation.body))"
        case .duplicateTrack(let query):
            return "duplicate-track handle=\(query.handle.isEmpty ? "-" : json(query.handle))"
        }
    }

    /// Flags sorted, comma-separated, system flags (`\Seen`) lower-cased; `-` when none.
    public static func flagList(_ flags: [String]) -> String {
        let normalized = Set(flags.map { $0.hasPrefix("\\") ? $0.lowercased() : $0 })
        return normalized.isEmpty ? "-" : normalized.sorted().joined(separator: ",")
    }

    private static func bit(_ value: Bool) -> String { value ? "1" : "0" }

    /// A JSON string literal.
    public static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
