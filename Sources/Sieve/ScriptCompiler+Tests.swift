/// Tests, and the comparator / match-type / address-part / index arguments they share.
extension ScriptCompiler {
    var matchGroups: [[String]] {
        [["is", "contains", "matches", "regex", "value", "count"], ["all", "localpart", "domain", "user", "detail"],
         ["zone", "originalzone"]]
    }

    func matchTags(_ state: UnitState) -> [String: TagParameter] {
        var tags: [String: TagParameter] = ["is": .none, "contains": .none, "matches": .none, "comparator": .string]
        if state.has("regex") { tags["regex"] = TagParameter.none }
        if state.has("relational") { tags["value"] = .string; tags["count"] = .string }
        return tags
    }

    func matchSpec(_ args: ScannedArguments, keys: [ScriptString], _ state: UnitState, owner: String,
                   at location: SourceLocation) throws(SieveDiagnostic) -> MatchSpec {
        var spec = MatchSpec()
        if let name = args.string("comparator") {
            guard let comparator = Extensions.comparators[name.lowercased()] else {
                throw SieveDiagnostic(args.tagLocations["comparator"] ?? location, "\(owner): unknown comparator \"\(name)\"")
            }
            if comparator == .asciiNumeric, !state.has("comparator-i;ascii-numeric") {
                throw SieveDiagnostic(args.tagLocations["comparator"] ?? location, "\(owner): comparator \"i;ascii-numeric\" needs require \"comparator-i;ascii-numeric\"")
            }
            spec.comparator = comparator
        }
        if args.has("contains") { spec.type = .contains }
        if args.has("matches") { spec.type = .matches }
        if args.has("regex") { spec.type = .regex }
        for tag in ["value", "count"] {
            guard let op = args.string(tag) else { continue }
            guard let relational = RelationalOperator(rawValue: op.lowercased()) else {
                throw SieveDiagnostic(args.tagLocations[tag] ?? location, "\(owner): invalid relational operator \"\(op)\"")
            }
            spec.type = tag == "value" ? .value(relational) : .count(relational)
        }
        if spec.comparator == .asciiNumeric, spec.type == .contains || spec.type == .matches || spec.type == .regex {
            throw SieveDiagnostic(location, "\(owner): comparator i;ascii-numeric cannot do substring or pattern matches")
        }
        if keys.allSatisfy({ !$0.hasVariables }) { spec.constantKeys = keys.map { Array($0.text.utf8) } }
        if spec.type == .regex, keys.allSatisfy({ !$0.hasVariables }) {
            var compiled: [RegexProgram] = []
            for key in keys {
                do {
                    compiled.append(try RegexProgram(key.text, caseInsensitive: spec.comparator == .asciiCasemap))
                } catch {
                    throw SieveDiagnostic(args.tagLocations["regex"] ?? location, "\(owner): invalid regular expression \"\(key.text)\": \(error.message)")
                }
            }
            spec.regexes = compiled
        }
        return spec
    }

    static let addressHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc",
        "resent-sender", "resent-reply-to", "return-path", "delivered-to", "envelope-to", "x-original-to",
        "x-delivered-to", "x-envelope-to", "apparently-to", "errors-to", "mail-followup-to", "mail-reply-to",
        "disposition-notification-to", "return-receipt-to", "original-recipient", "x-beenthere",
    ]

    func addressPart(_ args: ScannedArguments) -> AddressPart {
        if args.has("localpart") { return .localpart }
        if args.has("domain") { return .domain }
        if args.has("user") { return .user }
        if args.has("detail") { return .detail }
        return .all
    }

    func addressTags(_ state: UnitState) -> [String: TagParameter] {
        var tags = matchTags(state)
        for tag in ["all", "localpart", "domain"] { tags[tag] = TagParameter.none }
        if state.has("subaddress") { tags["user"] = TagParameter.none; tags["detail"] = TagParameter.none }
        return tags
    }

    func headerIndex(_ args: ScannedArguments, owner: String, at location: SourceLocation) throws(SieveDiagnostic) -> HeaderIndex? {
        guard let position = args.number("index") else {
            if args.has("last") { throw SieveDiagnostic(args.tagLocations["last"] ?? location, "\(owner): :last needs :index") }
            return nil
        }
        guard position >= 1 else { throw SieveDiagnostic(args.tagLocations["index"] ?? location, "\(owner): :index must be 1 or more") }
        return HeaderIndex(position: position, fromLast: args.has("last"))
    }

    private func indexTags(_ state: UnitState, _ tags: inout [String: TagParameter]) {
        if state.has("index") { tags["index"] = .number; tags["last"] = TagParameter.none }
    }

    mutating func test(_ test: SyntaxTest, _ state: inout UnitState) throws(SieveDiagnostic) -> TestNode {
        let name = test.name
        let at = test.location
        func scan(_ allowed: [String: TagParameter]) throws(SieveDiagnostic) -> ScannedArguments {
            try ScannedArguments(test.arguments, allowed: allowed, exclusive: matchGroups, owner: name)
        }
        func noSubtests() throws(SieveDiagnostic) {
            guard test.tests.isEmpty else { throw SieveDiagnostic(at, "test '\(name)' takes no tests") }
        }
        if !["allof", "anyof", "not"].contains(name) { try noSubtests() }
        switch name {
        case "true", "false":
            _ = try scan([:]).positional([], owner: name, at: at)
            return .constant(name == "true")
        case "not":
            _ = try scan([:]).positional([], owner: name, at: at)
            guard test.tests.count == 1 else { throw SieveDiagnostic(at, "not needs exactly one test") }
            return .not(try self.test(test.tests[0], &state))
        case "allof", "anyof":
            _ = try scan([:]).positional([], owner: name, at: at)
            guard !test.tests.isEmpty else { throw SieveDiagnostic(at, "\(name) needs a test list") }
            var tests: [TestNode] = []
            for sub in test.tests { tests.append(try self.test(sub, &state)) }
            return name == "allof" ? .allOf(tests) : .anyOf(tests)
        case "exists":
            let args = try scan([:]).positional([true], owner: name, at: at)
            return .exists(try strings(args[0], state))
        case "size":
            let args = try scan(["over": .none, "under": .none])
            guard args.has("over") != args.has("under") else { throw SieveDiagnostic(at, "size needs exactly one of :over and :under") }
            let limit = try args.positional([nil], owner: name, at: at)[0].numberValue
            return .size(over: args.has("over"), limit: limit)
        case "header", "address", "envelope":
            if name == "envelope" { try requireCapability("envelope", state, "envelope", at: at) }
            var allowed = name == "header" ? matchTags(state) : addressTags(state)
            if name != "envelope" { indexTags(state, &allowed) }
            let args = try scan(allowed)
            let positional = try args.positional([true, true], owner: name, at: at)
            let names = try strings(positional[0], state)
            let keys = try strings(positional[1], state)
            for field in names where !field.hasVariables && !Validation.isValidHeaderName(field.text) && name != "envelope" {
                throw SieveDiagnostic(positional[0].location, "\(name): invalid header name \"\(field.text)\"")
            }
            let match = try matchSpec(args, keys: keys, state, owner: name, at: at)
            let index = try headerIndex(args, owner: name, at: at)
            switch name {
            case "header": return .header(names: names, keys: keys, match: match, index: index)
            case "address":
                // RFC 5228 section 5.1: the address test is restricted to headers holding addresses.
                for field in names where !field.hasVariables && !Self.addressHeaders.contains(field.text.lowercased()) {
                    throw SieveDiagnostic(positional[0].location, "address: \"\(field.text)\" is not an address header")
                }
                return .address(names: names, keys: keys, match: match, part: addressPart(args), index: index)
            default:
                for part in names where !part.hasVariables && !["from", "to", "auth"].contains(part.text.lowercased()) {
                    throw SieveDiagnostic(positional[0].location, "envelope: unknown envelope part \"\(part.text)\"")
                }
                return .envelope(parts: names, keys: keys, match: match, part: addressPart(args))
            }
        case "body":
            try requireCapability("body", state, "body", at: at)
            var allowed = matchTags(state)
            allowed["raw"] = TagParameter.none; allowed["text"] = TagParameter.none; allowed["content"] = .stringList
            let args = try ScannedArguments(test.arguments, allowed: allowed, exclusive: matchGroups + [["raw", "text", "content"]], owner: name)
            let keys = try strings(try args.positional([true], owner: name, at: at)[0], state)
            let transform: BodyTransform
            if args.has("raw") { transform = .raw } else if let types = args.tags["content"] { transform = .content(try strings(types, state)) } else { transform = .text }
            return .body(transform, keys: keys, match: try matchSpec(args, keys: keys, state, owner: name, at: at))
        case "string", "hasflag":
            try requireCapability(name == "string" ? "variables" : "imap4flags", state, name, at: at)
            let args = try scan(matchTags(state))
            let both = args.positional.count == 2
            let positional = try args.positional(both ? [true, true] : [true], owner: name, at: at)
            if name == "string", !both { throw SieveDiagnostic(at, "string needs a source list and a key list") }
            let keys = try strings(positional[both ? 1 : 0], state)
            let match = try matchSpec(args, keys: keys, state, owner: name, at: at)
            if name == "string" { return .string(sources: try strings(positional[0], state), keys: keys, match: match) }
            if both { try requireCapability("variables", state, "hasflag with variables", at: at) }
            return .hasFlag(variables: both ? try strings(positional[0], state) : [], keys: keys, match: match)
        case "mailboxexists":
            try requireCapability("mailbox", state, name, at: at)
            return .mailboxExists(try strings(try scan([:]).positional([true], owner: name, at: at)[0], state))
        case "date", "currentdate":
            try requireCapability("date", state, name, at: at)
            var allowed = matchTags(state)
            allowed["zone"] = .string
            if name == "date" { allowed["originalzone"] = TagParameter.none; indexTags(state, &allowed) }
            let args = try scan(allowed)
            let positional = try args.positional(name == "date" ? [false, false, true] : [false, true], owner: name, at: at)
            let keys = try strings(positional[positional.count - 1], state)
            let part = try string(positional[positional.count - 2].stringList[0], state, at: at)
            if !part.hasVariables, !DateParts.names.contains(part.text.lowercased()) {
                throw SieveDiagnostic(positional[positional.count - 2].location, "\(name): unknown date part \"\(part.text)\"")
            }
            var zone = ZoneChoice.local
            if args.has("originalzone") { zone = .original }
            if let text = args.string("zone") {
                let value = try string(text, state, at: at)
                if !value.hasVariables, DateParts.zoneOffset(value.text) == nil {
                    throw SieveDiagnostic(args.tagLocations["zone"] ?? at, "\(name): invalid :zone \"\(text)\" (want +hhmm or -hhmm)")
                }
                zone = .fixed(value)
            }
            let match = try matchSpec(args, keys: keys, state, owner: name, at: at)
            if name == "currentdate" { return .currentDate(part: part, keys: keys, match: match, zone: zone) }
            let field = try string(positional[0].stringList[0], state, at: at)
            return .date(header: field, part: part, keys: keys, match: match, zone: zone,
                         index: try headerIndex(args, owner: name, at: at))
        case "environment":
            try requireCapability("environment", state, name, at: at)
            let args = try scan(matchTags(state))
            let positional = try args.positional([false, true], owner: name, at: at)
            let keys = try strings(positional[1], state)
            return .environment(name: try string(positional[0].stringList[0], state, at: at), keys: keys,
                                match: try matchSpec(args, keys: keys, state, owner: name, at: at))
        case "ihave":
            try requireCapability("ihave", state, name, at: at)
            return .ihave(try scan([:]).positional([true], owner: name, at: at)[0].stringList)
        case "duplicate":
            try requireCapability("duplicate", state, name, at: at)
            let args = try ScannedArguments(test.arguments, allowed: ["handle": .string, "header": .string, "uniqueid": .string,
                                                                       "seconds": .number, "last": .none],
                                            exclusive: [["header", "uniqueid"]], owner: name)
            _ = try args.positional([], owner: name, at: at)
            func optional(_ tag: String) throws(SieveDiagnostic) -> ScriptString? {
                guard let text = args.string(tag) else { return nil }
                return try string(text, state, at: at)
            }
            return .duplicate(DuplicateSpec(handle: try optional("handle"), header: try optional("header"), uniqueID: try optional("uniqueid"),
                                            seconds: args.number("seconds"), last: args.has("last")))
        default:
            throw SieveDiagnostic(at, "unknown test '\(name)'")
        }
    }
}
