#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

/// Why a mailstore operation failed. Every case is per mailbox: one recipient's error never
/// decides another recipient's result.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The filesystem (or a filesystem quota) is full: `ENOSPC`, `EDQUOT` or `EFBIG`.
    /// A temporary failure; nothing partial was left behind.
    case storageFull
    /// The mailbox (its Maildir directory) does not exist.
    case mailboxMissing
    /// The mailbox name cannot be stored safely (it would leave the mailstore, or is malformed).
    case invalidMailbox
    /// Any other system call failure: the operation (with the path involved), the `errno`
    /// value and its `strerror` text.
    case io(operation: String, errno: Int32, message: String)

    /// A readable one-line description, e.g. `link /srv/mail/alice/new/...: Permission denied`.
    public var description: String {
        switch self {
        case .storageFull: return "mail system storage has been exceeded"
        case .mailboxMissing: return "mailbox does not exist"
        case .invalidMailbox: return "invalid mailbox name"
        case .io(let operation, _, let message): return "\(operation): \(message)"
        }
    }

    /// Classifies an `errno` value: full-disk conditions become `.storageFull`, everything
    /// else `.io` with the `strerror` text.
    public static func fromErrno(_ code: Int32, operation: String) -> StoreError {
        switch code {
        case ENOSPC, EDQUOT, EFBIG:
            return .storageFull
        default:
            return .io(operation: operation, errno: code, message: errnoText(code))
        }
    }
}
