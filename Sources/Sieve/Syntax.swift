/// One argument as written: a tag, a number, or a string / string list.
struct SyntaxArgument {
    enum Value {
        case tag(String)
        case number(Int)
        /// `isList`: written in brackets (a one-string list is still a list).
        case strings([String], isList: Bool)
    }

    var value: Value
    var location: SourceLocation
}

/// A test as written: `name arguments (tests)`.
struct SyntaxTest {
    var name: String
    var location: SourceLocation
    var arguments: [SyntaxArgument]
    var tests: [SyntaxTest]
}

/// A command as written: `name arguments [test | (tests)] (; | { block })`.
struct SyntaxCommand {
    var name: String
    var location: SourceLocation
    var arguments: [SyntaxArgument]
    var tests: [SyntaxTest]
    /// The `{ ... }` block, nil when the command ended with `;`.
    var block: [SyntaxCommand]?
}

/// The RFC 5228 grammar over the lexer's tokens, with bounded nesting.
struct Parser {
    private var lexer: Lexer
    private var current: LocatedToken
    private let maxNesting: Int
    private var depth = 0

    init(_ bytes: [UInt8], file: String, maxNesting: Int) throws(SieveDiagnostic) {
        lexer = Lexer(bytes, file: file)
        self.maxNesting = maxNesting
        current = try lexer.next()
    }

    /// The whole script: commands until the end.
    mutating func parseScript() throws(SieveDiagnostic) -> [SyntaxCommand] {
        var commands: [SyntaxCommand] = []
        while current.token != .end {
            commands.append(try command())
        }
        return commands
    }

    private mutating func take() throws(SieveDiagnostic) {
        current = try lexer.next()
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .identifier(let name): return "identifier '\(name)'"
        case .tag(let name): return "tag ':\(name)'"
        case .number(let value): return "number \(value)"
        case .string: return "a string"
        case .punctuation(let byte): return "'\(Character(Unicode.Scalar(byte)))'"
        case .end: return "end of script"
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(SieveDiagnostic) {
        guard current.token == .punctuation(byte) else {
            throw SieveDiagnostic(current.location, "expected \(what), found \(describe(current.token))")
        }
        try take()
    }

    private mutating func enter(_ location: SourceLocation) throws(SieveDiagnostic) {
        depth += 1
        guard depth <= maxNesting else { throw SieveDiagnostic(location, "nesting deeper than \(maxNesting) levels") }
    }

    private mutating func command() throws(SieveDiagnostic) -> SyntaxCommand {
        guard case .identifier(let name) = current.token else {
            throw SieveDiagnostic(current.location, "expected a command, found \(describe(current.token))")
        }
        let location = current.location
        try take()
        let arguments = try argumentList()
        let tests = try testsAfterArguments()
        if current.token == .punctuation(UInt8(ascii: ";")) {
            try take()
            return SyntaxCommand(name: name, location: location, arguments: arguments, tests: tests, block: nil)
        }
        guard current.token == .punctuation(UInt8(ascii: "{")) else {
            throw SieveDiagnostic(current.location, "expected ';' or '{' after command '\(name)', found \(describe(current.token))")
        }
        try enter(current.location)
        try take()
        var block: [SyntaxCommand] = []
        while current.token != .punctuation(UInt8(ascii: "}")) {
            guard current.token != .end else { throw SieveDiagnostic(current.location, "missing '}' for the block of '\(name)' at line \(location.line)") }
            block.append(try command())
        }
        try take()
        depth -= 1
        return SyntaxCommand(name: name, location: location, arguments: arguments, tests: tests, block: block)
    }

    private mutating func argumentList() throws(SieveDiagnostic) -> [SyntaxArgument] {
        var arguments: [SyntaxArgument] = []
        while true {
            let location = current.location
            switch current.token {
            case .tag(let name):
                try take()
                arguments.append(SyntaxArgument(value: .tag(name), location: location))
            case .number(let value):
                try take()
                arguments.append(SyntaxArgument(value: .number(value), location: location))
            case .string(let text):
                try take()
                arguments.append(SyntaxArgument(value: .strings([text], isList: false), location: location))
            case .punctuation(UInt8(ascii: "[")):
                try take()
                var strings: [String] = []
                while true {
                    guard case .string(let text) = current.token else {
                        throw SieveDiagnostic(current.location, "expected a string in the list, found \(describe(current.token))")
                    }
                    strings.append(text)
                    try take()
                    if current.token == .punctuation(UInt8(ascii: ",")) { try take(); continue }
                    try expect(UInt8(ascii: "]"), "',' or ']'")
                    break
                }
                arguments.append(SyntaxArgument(value: .strings(strings, isList: true), location: location))
            default:
                return arguments
            }
        }
    }

    private mutating func testsAfterArguments() throws(SieveDiagnostic) -> [SyntaxTest] {
        switch current.token {
        case .identifier:
            return [try test()]
        case .punctuation(UInt8(ascii: "(")):
            try enter(current.location)
            try take()
            var tests = [try test()]
            while current.token == .punctuation(UInt8(ascii: ",")) {
                try take()
                tests.append(try test())
            }
            try expect(UInt8(ascii: ")"), "',' or ')' in the test list")
            depth -= 1
            return tests
        default:
            return []
        }
    }

    private mutating func test() throws(SieveDiagnostic) -> SyntaxTest {
        guard case .identifier(let name) = current.token else {
            throw SieveDiagnostic(current.location, "expected a test, found \(describe(current.token))")
        }
        let location = current.location
        try enter(location)
        try take()
        let arguments = try argumentList()
        let tests = try testsAfterArguments()
        depth -= 1
        return SyntaxTest(name: name, location: location, arguments: arguments, tests: tests)
    }
}
