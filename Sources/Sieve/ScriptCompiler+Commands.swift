/// Action and control commands.
extension ScriptCompiler {
    mutating func command(_ command: SyntaxCommand, _ state: inout UnitState, depth: Int) throws(SieveDiagnostic) -> Statement? {
        let name = command.name
        let at = command.location
        guard command.block == nil else { throw SieveDiagnostic(at, "'\(name)' does not take a block") }
        guard command.tests.isEmpty else { throw SieveDiagnostic(at, "'\(name)' does not take a test") }
        func scan(_ allowed: [String: TagParameter], _ groups: [[String]] = []) throws(SieveDiagnostic) -> ScannedArguments {
            try ScannedArguments(command.arguments, allowed: allowed, exclusive: groups, owner: name)
        }
        func statement(_ node: CommandNode) -> Statement { Statement(node: node, location: at) }

        switch name {
        case "require":
            guard !state.seenCommand else { throw SieveDiagnostic(at, "require must come before any other command") }
            let args = try scan([:]).positional([true], owner: name, at: at)
            let wanted = args[0].stringList
            let unknown = wanted.filter { !Extensions.supported.contains($0) }
            guard unknown.isEmpty else {
                throw SieveDiagnostic(at, "unsupported extension(s) in require: " + unknown.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            state.requires.formUnion(wanted)
            return nil
        case "stop":
            _ = try scan([:]).positional([], owner: name, at: at)
            return statement(.stop)
        case "keep":
            let flagsAllowed: [String: TagParameter] = state.has("imap4flags") ? ["flags": .stringList] : [:]
            let args = try scan(flagsAllowed)
            _ = try args.positional([], owner: name, at: at)
            return statement(.keep(flags: try args.tags["flags"].map { arg throws(SieveDiagnostic) in try strings(arg, state) }))
        case "discard":
            _ = try scan([:]).positional([], owner: name, at: at)
            return statement(.discard)
        case "fileinto":
            try requireCapability("fileinto", state, "fileinto", at: at)
            var allowed: [String: TagParameter] = [:]
            if state.has("copy") { allowed["copy"] = TagParameter.none }
            if state.has("imap4flags") { allowed["flags"] = .stringList }
            if state.has("mailbox") { allowed["create"] = TagParameter.none }
            let args = try scan(allowed)
            let mailbox = try string(try args.positional([false], owner: name, at: at)[0].stringList[0], state, at: at)
            if !mailbox.hasVariables, let problem = Validation.mailboxProblem(mailbox.text, maxLength: limits.maxMailboxNameLength) {
                throw SieveDiagnostic(args.positional[0].location, "fileinto: \(problem)")
            }
            return statement(.fileinto(mailbox: mailbox, flags: try args.tags["flags"].map { arg throws(SieveDiagnostic) in try strings(arg, state) },
                                       copy: args.has("copy"), create: args.has("create")))
        case "redirect":
            let args = try scan(state.has("copy") ? ["copy": TagParameter.none] : [:])
            let address = try string(try args.positional([false], owner: name, at: at)[0].stringList[0], state, at: at)
            if !address.hasVariables, !Validation.isValidAddress(address.text) {
                throw SieveDiagnostic(args.positional[0].location, "redirect: invalid address \"\(address.text)\"")
            }
            return statement(.redirect(address: address, copy: args.has("copy")))
        case "reject", "ereject":
            try requireCapability(name, state, name, at: at)
            let args = try scan([:]).positional([false], owner: name, at: at)
            return statement(.reject(reason: try string(args[0].stringList[0], state, at: at), extended: name == "ereject"))
        case "vacation":
            return statement(.vacation(try vacation(command, state)))
        case "set":
            try requireCapability("variables", state, "set", at: at)
            var allowed: [String: TagParameter] = ["lower": .none, "upper": .none, "lowerfirst": .none, "upperfirst": .none,
                                                   "quotewildcard": .none, "length": .none]
            if state.has("regex") { allowed["quoteregex"] = TagParameter.none }
            let args = try scan(allowed, [["lower", "upper"], ["lowerfirst", "upperfirst"], ["quotewildcard", "quoteregex"]])
            let positional = try args.positional([false, false], owner: name, at: at)
            let variable = positional[0].stringList[0]
            guard Validation.isValidVariableName(variable), !variable.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw SieveDiagnostic(positional[0].location, "set: invalid variable name \"\(variable)\"")
            }
            let table: [String: SetModifier] = ["lower": .lower, "upper": .upper, "lowerfirst": .lowerFirst, "upperfirst": .upperFirst,
                                                "quotewildcard": .quoteWildcard, "quoteregex": .quoteRegex, "length": .length]
            let modifiers = args.tagLocations.keys.compactMap { table[$0] }.sorted(by: >)
            return statement(.set(name: variable.lowercased(), value: try string(positional[1].stringList[0], state, at: at), modifiers: modifiers))
        case "setflag", "addflag", "removeflag":
            try requireCapability("imap4flags", state, name, at: at)
            let args = try scan([:])
            let variable: ScriptString?
            let flags: SyntaxArgument
            if args.positional.count == 2 {
                let both = try args.positional([false, true], owner: name, at: at)
                try requireCapability("variables", state, "\(name) with a variable name", at: at)
                variable = try string(both[0].stringList[0], state, at: at)
                flags = both[1]
            } else {
                flags = try args.positional([true], owner: name, at: at)[0]
                variable = nil
            }
            let operation: FlagOperation = name == "setflag" ? .set : (name == "addflag" ? .add : .remove)
            return statement(.flags(operation, variable: variable, flags: try strings(flags, state)))
        case "addheader":
            try requireCapability("editheader", state, name, at: at)
            let args = try scan(["last": .none])
            let positional = try args.positional([false, false], owner: name, at: at)
            let field = try string(positional[0].stringList[0], state, at: at)
            if !field.hasVariables, !Validation.isValidHeaderName(field.text) {
                throw SieveDiagnostic(positional[0].location, "addheader: invalid header name \"\(field.text)\"")
            }
            return statement(.addHeader(name: field, value: try string(positional[1].stringList[0], state, at: at), last: args.has("last")))
        case "deleteheader":
            try requireCapability("editheader", state, name, at: at)
            var allowed = matchTags(state)
            allowed["index"] = .number
            allowed["last"] = TagParameter.none
            let args = try scan(allowed, matchGroups)
            guard (1...2).contains(args.positional.count) else {
                throw SieveDiagnostic(at, "deleteheader: expected a header name and optional value patterns")
            }
            let positional = try args.positional(args.positional.count == 1 ? [false] : [false, true], owner: name, at: at)
            let field = try string(positional[0].stringList[0], state, at: at)
            if !field.hasVariables, !Validation.isValidHeaderName(field.text) {
                throw SieveDiagnostic(positional[0].location, "deleteheader: invalid header name \"\(field.text)\"")
            }
            let values = positional.count == 2 ? try strings(positional[1], state) : []
            let match = try matchSpec(args, keys: values, state, owner: name, at: at)
            return statement(.deleteHeader(name: field, values: values, match: match, index: try headerIndex(args, owner: name, at: at)))
        case "include":
            try requireCapability("include", state, name, at: at)
            let args = try scan(["personal": .none, "global": .none, "once": .none, "optional": .none], [["personal", "global"]])
            let positional = try args.positional([false], owner: name, at: at)
            let target = positional[0].stringList[0]
            guard !target.isEmpty, !target.contains("/"), target.utf8.allSatisfy({ $0 >= 32 && $0 != 127 }) else {
                throw SieveDiagnostic(positional[0].location, "include: invalid script name \"\(target)\"")
            }
            let unit = try includeUnit(target, location: args.has("global") ? .global : .personal, optional: args.has("optional"),
                                       depth: depth, at: at)
            return statement(.include(unit: unit, once: args.has("once")))
        case "return":
            try requireCapability("include", state, name, at: at)
            _ = try scan([:]).positional([], owner: name, at: at)
            return statement(.returnFromInclude)
        case "global":
            try requireCapability("include", state, name, at: at)
            try requireCapability("variables", state, name, at: at)
            let names = try scan([:]).positional([true], owner: name, at: at)[0].stringList
            for variable in names where !Validation.isValidVariableName(variable) {
                throw SieveDiagnostic(at, "global: invalid variable name \"\(variable)\"")
            }
            return statement(.global(names.map { $0.lowercased() }))
        case "error":
            try requireCapability("ihave", state, name, at: at)
            let args = try scan([:]).positional([false], owner: name, at: at)
            return statement(.error(try string(args[0].stringList[0], state, at: at)))
        case "if", "elsif", "else":
            throw SieveDiagnostic(at, "misplaced '\(name)'")
        default:
            throw SieveDiagnostic(at, "unknown command '\(name)'")
        }
    }

    private func vacation(_ command: SyntaxCommand, _ state: UnitState) throws(SieveDiagnostic) -> VacationSpec {
        let at = command.location
        try requireCapability("vacation", state, "vacation", at: at)
        var allowed: [String: TagParameter] = ["days": .number, "subject": .string, "from": .string, "addresses": .stringList,
                                               "mime": .none, "handle": .string]
        if state.has("vacation-seconds") { allowed["seconds"] = .number }
        let args = try ScannedArguments(command.arguments, allowed: allowed, exclusive: [["days", "seconds"]], owner: "vacation")
        let reason = try args.positional([false], owner: "vacation", at: at)[0]
        func optional(_ tag: String) throws(SieveDiagnostic) -> ScriptString? {
            guard let text = args.string(tag) else { return nil }
            return try string(text, state, at: args.tagLocations[tag] ?? at)
        }
        let from = try optional("from")
        if let from, !from.hasVariables, AddressParsing.addresses(inHeaderValue: from.text).isEmpty {
            throw SieveDiagnostic(args.tagLocations["from"] ?? at, "vacation: invalid :from address \"\(from.text)\"")
        }
        var seconds: Int?
        if let days = args.number("days") { seconds = days * 86_400 }
        if let value = args.number("seconds") { seconds = value }
        return VacationSpec(seconds: seconds, subject: try optional("subject"), from: from,
                            addresses: try args.tags["addresses"].map { arg throws(SieveDiagnostic) in try strings(arg, state) } ?? [],
                            mime: args.has("mime"), handle: try optional("handle"),
                            reason: try string(reason.stringList[0], state, at: reason.location))
    }
}
