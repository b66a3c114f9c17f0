/// Running compiled scripts.
public enum SieveRunner {
    /// Runs `script` for one message and recipient. Never throws: runtime errors give status
    /// `runtimeError` with the implicit keep as the only action.
    public static func run(_ script: CompiledScript, message: SieveMessage, envelope: SieveEnvelope,
                           context: SieveContext) -> SieveResult {
        Interpreter(script: script, message: message, envelope: envelope, context: context).run()
    }
}

/// A runtime error with the place of the command that failed.
struct RuntimeFailure: Error {
    var diagnostic: SieveDiagnostic
}

/// What a statement asks the enclosing blocks to do.
enum Flow {
    case proceed, stop, returnFromScript
}

/// One execution of a compiled script: the evolving header, the actions, the variables.
final class Interpreter {
    let script: CompiledScript
    let message: SieveMessage
    let envelope: SieveEnvelope
    let context: SieveContext

    var header: [SieveHeaderField]
    var headerEdits: [SieveHeaderEdit] = []
    var actions: [SieveAction] = []
    var implicitKeep = true
    /// The imap4flags internal variable, in the order flags were added.
    var flags: [String] = []
    var globals: [String: String] = [:]
    var frame = VariableFrame()
    var matchVariables: [String] = []
    var redirects = 0
    var actionCount = 0
    var hasVacation = false
    var includedOnce: Set<Int> = []
    var includeDepth = 0
    /// Body texts per `body` transform, computed once per run (the body does not change).
    var bodyTexts: [String: [String]] = [:]
    /// Addresses parsed from header values in this run (``parsedAddresses(_:)``).
    var addressCache: [String: [ParsedAddress]] = [:]

    init(script: CompiledScript, message: SieveMessage, envelope: SieveEnvelope, context: SieveContext) {
        self.script = script
        self.message = message
        self.envelope = envelope
        self.context = context
        header = message.header
    }

    func run() -> SieveResult {
        do {
            _ = try execute(script.units[0].statements)
            finishImplicitKeep()
            return SieveResult(status: .ok, actions: mergedActions(), errors: [], headerEdits: headerEdits,
                               editedHeader: headerEdits.isEmpty ? nil : header)
        } catch {
            let keep = SieveAction.store(mailbox: "INBOX", flags: [], create: false, copy: false, implicit: true)
            return SieveResult(status: .runtimeError, actions: [keep], errors: [error.diagnostic], headerEdits: [], editedHeader: nil)
        }
    }

    func fail(_ location: SourceLocation, _ message: String) -> RuntimeFailure {
        RuntimeFailure(diagnostic: SieveDiagnostic(location, message))
    }

    func execute(_ statements: [Statement]) throws(RuntimeFailure) -> Flow {
        for statement in statements {
            let flow = try execute(statement)
            if flow != .proceed { return flow }
        }
        return .proceed
    }

    private func execute(_ statement: Statement) throws(RuntimeFailure) -> Flow {
        let at = statement.location
        switch statement.node {
        case .conditional(let branches, let otherwise):
            for (test, block) in branches where try evaluate(test, at: at) {
                return try execute(block)
            }
            if let otherwise { return try execute(otherwise) }
        case .stop:
            return .stop
        case .keep(let flagList):
            try store("INBOX", flags: flagList.map { normalizedFlags(expand($0).joined(separator: " ")) } ?? flags, create: false, copy: false, at: at)
            implicitKeep = false
        case .discard:
            implicitKeep = false
            try record(.discard, at: at)
        case .fileinto(let mailbox, let flagList, let copy, let create):
            let name = expand(mailbox)
            if let problem = Validation.mailboxProblem(name, maxLength: context.limits.maxMailboxNameLength) {
                throw fail(at, "fileinto: \(problem)")
            }
            try store(name, flags: flagList.map { normalizedFlags(expand($0).joined(separator: " ")) } ?? flags, create: create, copy: copy, at: at)
            if !copy { implicitKeep = false }
        case .redirect(let address, let copy):
            let target = expand(address)
            guard Validation.isValidAddress(target) else { throw fail(at, "redirect: invalid address \"\(target)\"") }
            try redirect(target, copy: copy, at: at)
            if !copy { implicitKeep = false }
        case .reject(let reason, let extended):
            try reject(expand(reason), extended: extended, at: at)
            implicitKeep = false
        case .vacation(let spec):
            try vacation(spec, at: at)
        case .set(let name, let value, let modifiers):
            assign(name, Self.apply(modifiers, to: expand(value)))
        case .flags(let operation, let variable, let list):
            try editFlags(operation, variable: variable.map { expand($0).lowercased() }, flags: expand(list), at: at)
        case .addHeader(let name, let value, let last):
            addHeader(expand(name), expand(value), last: last)
        case .deleteHeader(let name, let values, let match, let index):
            try deleteHeader(expand(name), patterns: values, match: match, index: index, at: at)
        case .include(let unit, let once):
            guard let unit else { break }
            if once, includedOnce.contains(unit) { break }
            includedOnce.insert(unit)
            guard includeDepth < context.limits.maxIncludeDepth else { throw fail(at, "include: nested too deeply") }
            let saved = frame
            frame = VariableFrame()
            includeDepth += 1
            defer { includeDepth -= 1; frame = saved }
            if try execute(script.units[unit].statements) == .stop { return .stop }
        case .returnFromInclude:
            return .returnFromScript
        case .global(let names):
            frame.globalNames.formUnion(names)
        case .error(let message):
            throw fail(at, "error: " + expand(message))
        }
        return .proceed
    }

    private func editFlags(_ operation: FlagOperation, variable: String?, flags list: [String], at: SourceLocation) throws(RuntimeFailure) {
        let given = normalizedFlags(list.joined(separator: " "))
        var current = variable.map { normalizedFlags(self.variable($0)) } ?? flags
        switch operation {
        case .set: current = given
        case .add:
            for flag in given where !current.contains(where: { Self.sameFlag($0, flag) }) { current.append(flag) }
        case .remove:
            current.removeAll { flag in given.contains { Self.sameFlag($0, flag) } }
        }
        if let variable { assign(variable, current.joined(separator: " ")) } else { flags = current }
    }

    static func sameFlag(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// Space-separated flags, duplicates (case-insensitive) removed, first spelling kept.
    func normalizedFlags(_ text: String) -> [String] {
        var out: [String] = []
        for piece in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) {
            let flag = String(piece)
            if !out.contains(where: { Self.sameFlag($0, flag) }) { out.append(flag) }
        }
        return out
    }
}
