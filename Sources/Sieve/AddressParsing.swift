/// One mail address split the way address tests see it.
struct ParsedAddress: Equatable {
    var localPart: String
    var domain: String

    /// The address part a test compares; nil when the part does not exist (`:detail` of an
    /// address without `+`), which makes that address not match.
    func part(_ part: AddressPart) -> String? {
        switch part {
        case .all: return domain.isEmpty ? localPart : localPart + "@" + domain
        case .localpart: return localPart
        case .domain: return domain
        case .user:
            guard let plus = localPart.firstIndex(of: "+") else { return localPart }
            return String(localPart[..<plus])
        case .detail:
            guard let plus = localPart.firstIndex(of: "+") else { return nil }
            return String(localPart[localPart.index(after: plus)...])
        }
    }
}

/// RFC 5322 address lists (display names, comments, groups, route addresses) reduced to addr-specs.
enum AddressParsing {
    /// The addresses of a header value, in order; group names and empty groups give none.
    static func addresses(inHeaderValue value: String) -> [ParsedAddress] {
        var out: [ParsedAddress] = []
        for element in topLevelElements(value) {
            let spec = addrSpec(of: element)
            if spec.isEmpty { continue }
            out.append(split(spec))
        }
        return out
    }

    /// An envelope address (`<` `>` optional); empty for the null sender.
    static func envelopeAddress(_ value: String) -> ParsedAddress? {
        var text = value.trimmingBlanks()
        if text.hasPrefix("<"), text.hasSuffix(">") { text = String(text.dropFirst().dropLast()) }
        if text.isEmpty { return nil }
        return split(text)
    }

    static func split(_ spec: String) -> ParsedAddress {
        var quoted = false
        var at: String.Index?
        var index = spec.startIndex
        while index < spec.endIndex {
            let c = spec[index]
            if c == "\"" { quoted.toggle() } else if c == "@", !quoted { at = index }
            index = spec.index(after: index)
        }
        guard let at else { return ParsedAddress(localPart: spec, domain: "") }
        return ParsedAddress(localPart: String(spec[..<at]), domain: String(spec[spec.index(after: at)...]))
    }

    /// The address-list split at top-level commas, group syntax (`name: a, b;`) flattened.
    private static func topLevelElements(_ value: String) -> [String] {
        var elements: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var comment = 0
        var angle = false
        for c in value {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\", quoted || comment > 0 { current.append(c); escaped = true; continue }
            if comment > 0 {
                if c == "(" { comment += 1 } else if c == ")" { comment -= 1 }
                continue
            }
            if quoted {
                current.append(c)
                if c == "\"" { quoted = false }
                continue
            }
            switch c {
            case "\"": quoted = true; current.append(c)
            case "(": comment = 1
            case "<": angle = true; current.append(c)
            case ">": angle = false; current.append(c)
            case ":" where !angle:
                current = ""
            case ";" where !angle, "," where !angle:
                elements.append(current)
                current = ""
            default: current.append(c)
            }
        }
        elements.append(current)
        return elements
    }

    /// The addr-spec inside one element: between `<` and `>` when present (route removed),
    /// else the element without blanks.
    private static func addrSpec(of element: String) -> String {
        var spec = Substring(element)
        if let open = element.lastIndex(of: "<") {
            let after = element[element.index(after: open)...]
            spec = after.firstIndex(of: ">").map { after[..<$0] } ?? after
            if spec.hasPrefix("@"), let colon = spec.firstIndex(of: ":") { spec = spec[spec.index(after: colon)...] }
        }
        var out = ""
        var quoted = false
        for c in spec {
            if c == "\"" { quoted.toggle() }
            if !quoted, c == " " || c == "\t" || c == "\r" || c == "\n" { continue }
            out.append(c)
        }
        return out
    }
}
