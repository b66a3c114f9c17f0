/// A failed database call: what was attempted, the engine's code and message.
public struct DuplicateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the records are kept.
    public enum Engine: Sendable, Equatable {
        case sqlite
        case postgresql
    }

    /// What was being done, e.g. `open /var/lib/cyrus/deliver.db`.
    public var operation: String
    /// SQLite's (extended) result code; 0 for PostgreSQL (its SQLSTATE is in the message).
    public var code: Int32
    /// The engine's message.
    public var message: String
    public var engine: Engine = .sqlite
    /// PostgreSQL could not be reached or the connection broke (not a refused statement).
    public var isUnreachable = false

    public var description: String {
        switch engine {
        case .sqlite: "\(operation): \(message) (SQLite \(code))"
        case .postgresql: "\(operation): \(message)"
        }
    }
}
