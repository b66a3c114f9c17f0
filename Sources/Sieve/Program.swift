/// A string argument after compilation: its text, and whether it names variables
/// (`${...}`) that must be expanded when it is used.
struct ScriptString {
    var text: String
    var hasVariables: Bool
    /// `text` lower-cased once at compile time (header names are compared lower-cased).
    let lowered: String

    init(text: String, hasVariables: Bool) {
        self.text = text
        self.hasVariables = hasVariables
        lowered = text.lowercased()
    }
}

/// How keys are compared: RFC 4790 comparators.
enum Comparator: Equatable {
    case octet, asciiCasemap, asciiNumeric
}

/// RFC 5231 relational operators.
enum RelationalOperator: String, Equatable {
    case gt, ge, lt, le, eq, ne
}

/// `:is :contains :matches :regex :value :count`.
enum MatchType: Equatable {
    case `is`, contains, matches, regex
    case value(RelationalOperator)
    case count(RelationalOperator)
}

/// Comparator and match type of one test, with constant regular expressions compiled once.
struct MatchSpec {
    var comparator: Comparator = .asciiCasemap
    var type: MatchType = .is
    /// For `:regex` keys without variables: the compiled patterns, in key order.
    var regexes: [RegexProgram]?
    /// For keys without variables: their bytes, made once at compile time, in key order.
    var constantKeys: [[UInt8]]?
}

/// RFC 5228 and 5233 address parts.
enum AddressPart: Equatable {
    case all, localpart, domain, user, detail
}

/// RFC 5260 `:index n [:last]`.
struct HeaderIndex {
    var position: Int
    var fromLast: Bool
}

/// RFC 5173 body transforms.
enum BodyTransform {
    case raw
    case content([ScriptString])
    case text
}

/// RFC 5260 zone choice.
enum ZoneChoice {
    case local
    case original
    case fixed(ScriptString)
}

/// RFC 7352 `duplicate` arguments.
struct DuplicateSpec {
    var handle: ScriptString?
    var header: ScriptString?
    var uniqueID: ScriptString?
    var seconds: Int?
    var last: Bool
}

/// RFC 5230 / 6131 `vacation` arguments.
struct VacationSpec {
    var seconds: Int?
    var subject: ScriptString?
    var from: ScriptString?
    var addresses: [ScriptString]
    var mime: Bool
    var handle: ScriptString?
    var reason: ScriptString
}

/// RFC 5229 `set` modifiers, applied in precedence order.
enum SetModifier: Int, Comparable {
    case lower = 40, upper = 41, lowerFirst = 30, upperFirst = 31, quoteWildcard = 20, quoteRegex = 21, length = 10
    static func < (a: SetModifier, b: SetModifier) -> Bool { a.rawValue < b.rawValue }
}

/// RFC 5232 flag commands.
enum FlagOperation {
    case set, add, remove
}

indirect enum TestNode {
    case constant(Bool)
    case not(TestNode)
    case allOf([TestNode])
    case anyOf([TestNode])
    case exists([ScriptString])
    case size(over: Bool, limit: Int)
    case header(names: [ScriptString], keys: [ScriptString], match: MatchSpec, index: HeaderIndex?)
    case address(names: [ScriptString], keys: [ScriptString], match: MatchSpec, part: AddressPart, index: HeaderIndex?)
    case envelope(parts: [ScriptString], keys: [ScriptString], match: MatchSpec, part: AddressPart)
    case body(BodyTransform, keys: [ScriptString], match: MatchSpec)
    case string(sources: [ScriptString], keys: [ScriptString], match: MatchSpec)
    case hasFlag(variables: [ScriptString], keys: [ScriptString], match: MatchSpec)
    case mailboxExists([ScriptString])
    case date(header: ScriptString, part: ScriptString, keys: [ScriptString], match: MatchSpec, zone: ZoneChoice, index: HeaderIndex?)
    case currentDate(part: ScriptString, keys: [ScriptString], match: MatchSpec, zone: ZoneChoice)
    case environment(name: ScriptString, keys: [ScriptString], match: MatchSpec)
    case ihave([String])
    case duplicate(DuplicateSpec)
}

indirect enum CommandNode {
    case conditional(branches: [(TestNode, [Statement])], otherwise: [Statement]?)
    case stop
    case keep(flags: [ScriptString]?)
    case discard
    case fileinto(mailbox: ScriptString, flags: [ScriptString]?, copy: Bool, create: Bool)
    case redirect(address: ScriptString, copy: Bool)
    case reject(reason: ScriptString, extended: Bool)
    case vacation(VacationSpec)
    case set(name: String, value: ScriptString, modifiers: [SetModifier])
    case flags(FlagOperation, variable: ScriptString?, flags: [ScriptString])
    case addHeader(name: ScriptString, value: ScriptString, last: Bool)
    case deleteHeader(name: ScriptString, values: [ScriptString], match: MatchSpec, index: HeaderIndex?)
    /// `unit`: index of the included script in `CompiledScript.units`, nil when optional and absent.
    case include(unit: Int?, once: Bool)
    case returnFromInclude
    case global([String])
    case error(ScriptString)
}

/// One command and where it was written (runtime errors name it).
struct Statement {
    var node: CommandNode
    var location: SourceLocation
}

/// One compiled script (the main one or an included one).
struct ScriptUnit {
    var name: String
    var location: IncludeLocation
    var statements: [Statement]
}
