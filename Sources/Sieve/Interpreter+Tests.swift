/// Evaluating tests against the (possibly edited) message, envelope and context.
extension Interpreter {
    func evaluate(_ test: TestNode, at: SourceLocation) throws(RuntimeFailure) -> Bool {
        switch test {
        case .constant(let value): return value
        case .not(let inner): return !(try evaluate(inner, at: at))
        case .allOf(let tests):
            for inner in tests where !(try evaluate(inner, at: at)) { return false }
            return true
        case .anyOf(let tests):
            for inner in tests where try evaluate(inner, at: at) { return true }
            return false
        case .exists(let names):
            return names.allSatisfy { name in
                let lowered = name.hasVariables ? expand(name).lowercased() : name.lowered
                return header.contains { $0.hasName(lowered) }
            }
        case .size(let over, let limit):
            return over ? message.size > limit : message.size < limit
        case .header(let names, let keys, let match, let index):
            let values = fields(names, index: index).map(\.decodedValue)
            return try matches(values: values, keys: keys, match: match, at: at)
        case .address(let names, let keys, let match, let part, let index):
            let addresses = fields(names, index: index).flatMap { parsedAddresses($0.decodedValue) }
            return try matches(values: addresses.compactMap { $0.part(part) }, keys: keys, match: match, at: at,
                               count: addresses.count)
        case .envelope(let parts, let keys, let match, let part):
            var values: [String] = []
            for name in expand(parts) {
                let raw: String?
                switch name.lowercased() {
                case "from": raw = envelope.from
                case "to": raw = envelope.to
                case "auth": raw = envelope.auth
                default: raw = nil
                }
                guard let raw else { continue }
                if let address = AddressParsing.envelopeAddress(raw) {
                    if let value = address.part(part) { values.append(value) }
                } else {
                    values.append("")
                }
            }
            return try matches(values: values, keys: keys, match: match, at: at)
        case .body(let transform, let keys, let match):
            let types: [String]?
            switch transform {
            case .raw: types = nil
            case .text: types = ["text"]
            case .content(let wanted): types = expand(wanted)
            }
            let cacheKey = types?.joined(separator: "\u{0}") ?? "\u{0}raw"
            if let cached = bodyTexts[cacheKey] { return try matches(values: cached, keys: keys, match: match, at: at) }
            let texts = types.map { MIMEBody.texts(of: message, types: $0) } ?? [MIMEText.text(message.body, charset: "utf-8")]
            bodyTexts[cacheKey] = texts
            return try matches(values: texts, keys: keys, match: match, at: at)
        case .string(let sources, let keys, let match):
            let values = expand(sources)
            return try matches(values: values, keys: keys, match: match, at: at, count: values.filter { !$0.isEmpty }.count)
        case .hasFlag(let variables, let keys, let match):
            let current = variables.isEmpty ? flags : expand(variables).flatMap { normalizedFlags(variable($0.lowercased())) }
            return try matches(values: current, keys: keys, match: match, at: at)
        case .mailboxExists(let names):
            return expand(names).allSatisfy { context.mailboxExists($0) }
        case .date(let field, let part, let keys, let match, let zone, let index):
            let name = expand(field)
            guard let value = fields([field], index: index).first else { return false }
            var text = value.decodedValue
            // RFC 5260 section 2.4.1: a Received field's date is what follows its last ";".
            if name.lowercased() == "received", let semicolon = text.lastIndex(of: ";") {
                text = String(text[text.index(after: semicolon)...])
            }
            guard let parsed = DateParts.parse(text) else { return false }
            return try datePart(seconds: parsed.seconds, original: parsed.zone, part: part, keys: keys, match: match, zone: zone, at: at)
        case .currentDate(let part, let keys, let match, let zone):
            return try datePart(seconds: context.now, original: context.localZoneOffsetMinutes, part: part, keys: keys, match: match,
                                zone: zone, at: at)
        case .environment(let name, let keys, let match):
            guard let value = context.environmentItem(expand(name).lowercased()) else { return false }
            return try matches(values: [value], keys: keys, match: match, at: at)
        case .ihave(let names):
            return names.allSatisfy { Extensions.supported.contains($0) }
        case .duplicate(let spec):
            return try duplicate(spec, at: at)
        }
    }

    /// The addresses in a header value, parsed once per run (scripts test From and Sender in
    /// rule after rule).
    func parsedAddresses(_ value: String) -> [ParsedAddress] {
        if let known = addressCache[value] { return known }
        let parsed = AddressParsing.addresses(inHeaderValue: value)
        addressCache[value] = parsed
        return parsed
    }

    /// The fields named `names`; with `:index`, only that occurrence (counted over all names).
    func fields(_ names: [ScriptString], index: HeaderIndex?) -> [SieveHeaderField] {
        let found: [SieveHeaderField]
        if names.count == 1, !names[0].hasVariables {
            let name = names[0].lowered
            found = header.filter { $0.hasName(name) }
        } else {
            let lowered = names.map { $0.hasVariables ? expand($0).lowercased() : $0.lowered }
            found = header.filter { field in lowered.contains { field.hasName($0) } }
        }
        guard let index else { return found }
        guard index.position <= found.count else { return [] }
        return [index.fromLast ? found[found.count - index.position] : found[index.position - 1]]
    }

    private func datePart(seconds: Int64, original: Int, part: ScriptString, keys: [ScriptString], match: MatchSpec,
                          zone: ZoneChoice, at: SourceLocation) throws(RuntimeFailure) -> Bool {
        var offset = context.localZoneOffsetMinutes
        switch zone {
        case .local: break
        case .original: offset = original
        case .fixed(let text):
            guard let value = DateParts.zoneOffset(expand(text)) else { return false }
            offset = value
        }
        guard let value = DateParts.part(expand(part), seconds: seconds, zone: offset) else { return false }
        return try matches(values: [value], keys: keys, match: match, at: at)
    }

    private func duplicate(_ spec: DuplicateSpec, at: SourceLocation) throws(RuntimeFailure) -> Bool {
        let id: String
        if let unique = spec.uniqueID {
            id = expand(unique)
        } else {
            let name = spec.header.map { expand($0) } ?? "Message-ID"
            guard let field = header.first(where: { $0.hasName(name.lowercased()) }) else { return false }
            id = field.decodedValue
        }
        let seconds = min(spec.seconds ?? 43_200, context.limits.duplicateMaxExpiration)
        let query = DuplicateQuery(handle: spec.handle.map { expand($0) } ?? "", uniqueID: id, seconds: seconds, last: spec.last)
        let seen = context.isDuplicate(query)
        let tracked = actions.contains { if case .duplicateTrack(let other) = $0 { return other == query }; return false }
        if !tracked { try record(.duplicateTrack(query), at: at) }
        return seen
    }

    /// Whether any value matches any key; `count` is what `:count` counts (default: the values).
    func matches(values: [String], keys: [ScriptString], match: MatchSpec, at: SourceLocation, count: Int? = nil) throws(RuntimeFailure) -> Bool {
        if case .count(let op) = match.type {
            let counted = Array(String(count ?? values.count).utf8)
            return expand(keys).contains { Matching.relation(Matching.compare(counted, Array($0.utf8), match.comparator), op) }
        }
        var regexes = match.regexes
        if match.type == .regex, regexes == nil {
            var compiled: [RegexProgram] = []
            for key in expand(keys) {
                do {
                    compiled.append(try RegexProgram(key, caseInsensitive: match.comparator == .asciiCasemap))
                } catch {
                    throw fail(at, "invalid regular expression \"\(key)\": \(error.message)")
                }
            }
            regexes = compiled
        }
        let keyBytes = match.constantKeys ?? expand(keys).map { Array($0.utf8) }
        for value in values {
            if match.type == .contains, let found = value.utf8.withContiguousStorageIfAvailable({ text in
                keyBytes.contains { key in key.withUnsafeBufferPointer { Matching.contains(text, $0, match.comparator) } }
            }) {
                if found { return true }
                continue
            }
            let text = Array(value.utf8)
            for (k, key) in keyBytes.enumerated() {
                switch match.type {
                case .is:
                    if Matching.equal(text, key, match.comparator) { return true }
                case .contains:
                    if Matching.contains(text, key, match.comparator) { return true }
                case .value(let op):
                    if Matching.relation(Matching.compare(text, key, match.comparator), op) { return true }
                case .matches:
                    if let captured = Matching.glob(text, key, match.comparator, captures: true) {
                        matchVariables = captured
                        return true
                    }
                case .regex:
                    if let program = regexes?[k], let captured = program.firstMatch(in: text, maxSteps: context.limits.maxRegexSteps) {
                        matchVariables = captured
                        return true
                    }
                case .count:
                    break
                }
            }
        }
        return false
    }
}
