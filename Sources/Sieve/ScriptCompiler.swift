/// What the compiler knows while it reads one script (the main one or an included one).
struct UnitState {
    var file: String
    var requires: Set<String> = []
    var seenCommand = false
    /// Set while compiling inside `if ihave ...` for capabilities not required.
    var ihaveExtra: Set<String> = []

    func has(_ capability: String) -> Bool { requires.contains(capability) || ihaveExtra.contains(capability) }
}

/// Compiles scripts (syntax tree → checked program), collecting errors, loading includes.
struct ScriptCompiler {
    let limits: SieveLimits
    let loader: SieveIncludeLoader?
    var diagnostics: [SieveDiagnostic] = []
    var units: [ScriptUnit] = []
    private var unitIndex: [String: Int] = [:]
    private var includeStack: [String] = []

    init(limits: SieveLimits, loader: SieveIncludeLoader?) {
        self.limits = limits
        self.loader = loader
    }

    /// Compiles one script into `units` (the first call makes unit 0). Returns its requires,
    /// or nil when it has errors (they are in `diagnostics`).
    mutating func compileUnit(_ bytes: [UInt8], name: String, location: IncludeLocation, depth: Int) -> Set<String>? {
        let start = SourceLocation(file: name, line: 1, column: 1)
        guard bytes.count <= limits.maxScriptSizeKB * 1024 else {
            diagnostics.append(SieveDiagnostic(start, "script is \(bytes.count) bytes, larger than sieve_maxscriptsize (\(limits.maxScriptSizeKB) KB)"))
            return nil
        }
        let syntax: [SyntaxCommand]
        do {
            var parser = try Parser(bytes, file: name, maxNesting: limits.maxNesting)
            syntax = try parser.parseScript()
        } catch {
            diagnostics.append(error)
            return nil
        }
        let index = units.count
        units.append(ScriptUnit(name: name, location: location, statements: []))
        unitIndex["\(location.rawValue):\(name)"] = index
        includeStack.append("\(location.rawValue):\(name)")
        defer { includeStack.removeLast() }
        var state = UnitState(file: name)
        let errorsBefore = diagnostics.count
        let statements = block(syntax, &state, depth: depth)
        units[index].statements = statements
        return diagnostics.count == errorsBefore ? state.requires : nil
    }

    /// Compiles the commands of a block, recording each failing command's error.
    mutating func block(_ commands: [SyntaxCommand], _ state: inout UnitState, depth: Int) -> [Statement] {
        var statements: [Statement] = []
        var index = 0
        while index < commands.count {
            let command = commands[index]
            do throws(SieveDiagnostic) {
                if command.name == "if" {
                    var chain = [command]
                    while index + 1 < commands.count, commands[index + 1].name == "elsif" || commands[index + 1].name == "else" {
                        index += 1
                        chain.append(commands[index])
                        if commands[index].name == "else" { break }
                    }
                    statements.append(try conditional(chain, &state, depth: depth))
                } else if command.name == "elsif" || command.name == "else" {
                    throw SieveDiagnostic(command.location, "'\(command.name)' without a preceding 'if'")
                } else if let statement = try self.command(command, &state, depth: depth) {
                    statements.append(statement)
                }
                if command.name != "require" { state.seenCommand = true }
            } catch {
                diagnostics.append(error)
                state.seenCommand = true
            }
            index += 1
        }
        return statements
    }

    private mutating func conditional(_ chain: [SyntaxCommand], _ state: inout UnitState, depth: Int) throws(SieveDiagnostic) -> Statement {
        var branches: [(TestNode, [Statement])] = []
        var otherwise: [Statement]?
        for command in chain {
            guard let body = command.block else {
                throw SieveDiagnostic(command.location, "'\(command.name)' needs a block { ... }")
            }
            guard command.arguments.isEmpty else {
                throw SieveDiagnostic(command.arguments[0].location, "'\(command.name)' takes no arguments besides its test")
            }
            if command.name == "else" {
                guard command.tests.isEmpty else { throw SieveDiagnostic(command.location, "'else' takes no test") }
                otherwise = block(body, &state, depth: depth)
                continue
            }
            guard command.tests.count == 1 else {
                throw SieveDiagnostic(command.location, "'\(command.name)' needs exactly one test")
            }
            let test = try self.test(command.tests[0], &state)
            let extra = Self.ihaveCapabilities(test)
            if extra.isEmpty {
                branches.append((test, block(body, &state, depth: depth)))
            } else if extra.isSubset(of: Extensions.supported) {
                var inner = state
                inner.ihaveExtra.formUnion(extra)
                branches.append((test, block(body, &inner, depth: depth)))
            } else {
                branches.append((test, []))
            }
        }
        return Statement(node: .conditional(branches: branches, otherwise: otherwise), location: chain[0].location)
    }

    /// Capabilities an `ihave` test (alone or under `allof`) guarantees in the block it guards.
    private static func ihaveCapabilities(_ test: TestNode) -> Set<String> {
        switch test {
        case .ihave(let names): return Set(names)
        case .allOf(let tests): return tests.reduce(into: Set<String>()) { $0.formUnion(ihaveCapabilities($1)) }
        default: return []
        }
    }

    /// An `include` target: compiled once per (location, name), refused when it would loop.
    mutating func includeUnit(_ name: String, location: IncludeLocation, optional: Bool, depth: Int,
                              at place: SourceLocation) throws(SieveDiagnostic) -> Int? {
        let key = "\(location.rawValue):\(name)"
        if includeStack.contains(key) {
            throw SieveDiagnostic(place, "include: \(location.rawValue) script \"\(name)\" includes itself (include loop)")
        }
        if let existing = unitIndex[key] { return existing }
        guard depth + 1 <= limits.maxIncludeDepth else {
            throw SieveDiagnostic(place, "include: nested deeper than \(limits.maxIncludeDepth) levels")
        }
        guard units.count < limits.maxIncludedScripts else {
            throw SieveDiagnostic(place, "include: more than \(limits.maxIncludedScripts) scripts")
        }
        guard let source = loader?(name, location) else {
            if optional { return nil }
            throw SieveDiagnostic(place, "include: \(location.rawValue) script \"\(name)\" not found")
        }
        guard compileUnit(source, name: name, location: location, depth: depth + 1) != nil else {
            throw SieveDiagnostic(place, "include: \(location.rawValue) script \"\(name)\" has errors")
        }
        return unitIndex[key]
    }

    /// A string argument: encoded characters decoded, variable references noted.
    func string(_ text: String, _ state: UnitState, at location: SourceLocation) throws(SieveDiagnostic) -> ScriptString {
        var value = text
        if state.has("encoded-character") {
            do { value = try Validation.decodeEncodedCharacters(text) } catch { throw SieveDiagnostic(location, error.message) }
        }
        return ScriptString(text: value, hasVariables: state.has("variables") && Validation.hasVariableReference(value))
    }

    func strings(_ argument: SyntaxArgument, _ state: UnitState) throws(SieveDiagnostic) -> [ScriptString] {
        var out: [ScriptString] = []
        for text in argument.stringList { out.append(try string(text, state, at: argument.location)) }
        return out
    }

    func requireCapability(_ capability: String, _ state: UnitState, _ what: String, at location: SourceLocation) throws(SieveDiagnostic) {
        guard state.has(capability) else {
            throw SieveDiagnostic(location, "\(what) needs require \"\(capability)\"")
        }
    }
}
