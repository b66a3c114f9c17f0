/// What went wrong talking to PostgreSQL. The first two cases mean "the server cannot be
/// used right now"; `queryFailed` means "it answered, and refused this statement".
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No endpoint could be connected to (refused, timed out, name unknown, login refused);
    /// libpq's reasons, one per endpoint tried.
    case unreachable(String)
    /// The connection broke, or the server gave no reply in time, while a statement ran:
    /// whether it took effect is unknown. The next call reconnects.
    case connectionLost(String)
    /// The server refused the statement: its SQLSTATE (e.g. `42601` syntax error, `57014`
    /// statement timeout) and message. The connection stays usable.
    case queryFailed(sqlState: String, message: String)
    /// Something that cannot be sent: a NUL character in a parameter, an empty channel name.
    case invalidArgument(String)

    /// Whether the server could not be used at all (as opposed to refusing a statement).
    public var isConnectionProblem: Bool {
        switch self {
        case .unreachable, .connectionLost: true
        case .queryFailed, .invalidArgument: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let reason): "cannot reach PostgreSQL: \(reason)"
        case .connectionLost(let reason): "connection to PostgreSQL lost: \(reason)"
        case .queryFailed(let state, let message): "PostgreSQL refused the statement: \(message) (SQLSTATE \(state))"
        case .invalidArgument(let reason): "cannot send to PostgreSQL: \(reason)"
        }
    }
}
