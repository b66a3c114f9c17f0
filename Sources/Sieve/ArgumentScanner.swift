/// What a tag takes after it.
enum TagParameter {
    case none, string, stringList, number
}

/// The arguments of one command or test split into tags (with their parameters) and
/// positional arguments, checked against the tags that command allows.
struct ScannedArguments {
    var tags: [String: SyntaxArgument] = [:]
    var tagLocations: [String: SourceLocation] = [:]
    var positional: [SyntaxArgument] = []

    func has(_ tag: String) -> Bool { tagLocations[tag] != nil }

    /// Tagged arguments come before positional ones (RFC 5228 section 2.6.2); each tag at most
    /// once; tags of one `group` (match types, address parts...) exclude each other.
    init(_ arguments: [SyntaxArgument], allowed: [String: TagParameter], exclusive groups: [[String]],
         owner: String) throws(SieveDiagnostic) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard case .tag(let name) = argument.value else {
                positional.append(argument)
                index += 1
                continue
            }
            guard positional.isEmpty else {
                throw SieveDiagnostic(argument.location, "\(owner): tag :\(name) after a positional argument")
            }
            guard let parameter = allowed[name] else {
                throw SieveDiagnostic(argument.location, "\(owner): unknown tag :\(name)")
            }
            guard tagLocations[name] == nil else {
                throw SieveDiagnostic(argument.location, "\(owner): tag :\(name) given twice")
            }
            for group in groups where group.contains(name) {
                if let other = group.first(where: { $0 != name && tagLocations[$0] != nil }) {
                    throw SieveDiagnostic(argument.location, "\(owner): :\(name) and :\(other) cannot be used together")
                }
            }
            tagLocations[name] = argument.location
            index += 1
            if parameter == .none { continue }
            guard index < arguments.count else {
                throw SieveDiagnostic(argument.location, "\(owner): tag :\(name) needs a \(Self.describe(parameter))")
            }
            let value = arguments[index]
            switch (parameter, value.value) {
            case (.number, .number), (.stringList, .strings), (.string, .strings(_, isList: false)):
                tags[name] = value
            case (.string, .strings(let list, isList: true)) where list.count == 1:
                tags[name] = value
            default:
                throw SieveDiagnostic(value.location, "\(owner): tag :\(name) needs a \(Self.describe(parameter))")
            }
            index += 1
        }
    }

    private static func describe(_ parameter: TagParameter) -> String {
        switch parameter {
        case .none: return "nothing"
        case .string: return "string"
        case .stringList: return "string list"
        case .number: return "number"
        }
    }

    func string(_ tag: String) -> String? {
        if case .strings(let list, _)? = tags[tag]?.value { return list.first }
        return nil
    }

    func strings(_ tag: String) -> [String]? {
        if case .strings(let list, _)? = tags[tag]?.value { return list }
        return nil
    }

    func number(_ tag: String) -> Int? {
        if case .number(let value)? = tags[tag]?.value { return value }
        return nil
    }

    /// Exactly `kinds` positional arguments; each `true` means "string list", `false` "string",
    /// nil "number"; returns them as string lists or numbers.
    func positional(_ kinds: [Bool?], owner: String, at location: SourceLocation) throws(SieveDiagnostic) -> [SyntaxArgument] {
        guard positional.count == kinds.count else {
            let place = positional.count > kinds.count ? positional[kinds.count].location : location
            throw SieveDiagnostic(place, "\(owner): expected \(kinds.count) positional argument(s), found \(positional.count)")
        }
        for (argument, kind) in zip(positional, kinds) {
            switch (kind, argument.value) {
            case (nil, .number), (true?, .strings), (false?, .strings(_, isList: false)): continue
            case (false?, .strings(let list, isList: true)) where list.count == 1: continue
            default:
                let wanted = kind == nil ? "a number" : (kind == true ? "a string list" : "a string")
                throw SieveDiagnostic(argument.location, "\(owner): expected \(wanted)")
            }
        }
        return positional
    }
}

extension SyntaxArgument {
    var stringList: [String] {
        if case .strings(let list, _) = value { return list }
        return []
    }

    var numberValue: Int {
        if case .number(let value) = value { return value }
        return 0
    }
}
