/// A place in a script: its name (file), line and column, both counted from 1.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The script's name as given to `compile` (or the included script's name).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One compile or runtime error: where it is and what is wrong.
public struct SieveDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:column: message`.
    public var description: String { "\(location): \(message)" }
}

/// A script that does not compile: every error found, in source order.
public struct SieveCompileError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [SieveDiagnostic]

    public init(_ diagnostics: [SieveDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
