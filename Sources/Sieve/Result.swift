/// One thing the delivery must do for this message and recipient.
public enum SieveAction: Sendable, Hashable {
    /// Store a copy in `mailbox` (`INBOX` for keep) with `flags`. `implicit`: the implicit keep.
    case store(mailbox: String, flags: [String], create: Bool, copy: Bool, implicit: Bool)
    /// Send the message on to `address` with the original return path.
    case redirect(address: String, copy: Bool)
    /// Refuse the message with `reason` (`extended`: ereject, LMTP-level refusal preferred).
    case reject(reason: String, extended: Bool)
    /// Explicitly store nothing.
    case discard
    /// Send an auto-reply to `recipient` (checked against RFC 5230's rules already).
    case vacation(SieveVacation)
    /// After a successful delivery, record `query` in the duplicate store.
    case duplicateTrack(DuplicateQuery)
}

/// A vacation reply to send, once per `handle` per `seconds` per sender.
public struct SieveVacation: Sendable, Hashable {
    /// Who gets the reply: the envelope sender.
    public var recipient: String
    /// Response interval, clamped to the limits.
    public var seconds: Int
    public var subject: String?
    public var from: String?
    /// The reason text (a MIME entity when `mime`).
    public var body: String
    public var mime: Bool
    /// The handle the response interval is tracked under (RFC 5230 default: derived from the arguments).
    public var handle: String
}

/// A header edit (RFC 5293) that applies to the stored copy only.
public enum SieveHeaderEdit: Sendable, Hashable {
    case add(name: String, value: String, last: Bool)
    /// `occurrences`: which fields of that name (0-based, in the header as it then was) went away.
    case delete(name: String, occurrences: [Int])
}

/// The outcome of one run.
public struct SieveResult: Sendable {
    public enum Status: String, Sendable {
        case ok
        /// The script failed; `actions` holds the implicit keep only.
        case runtimeError = "runtime_error"
    }

    public var status: Status
    /// The actions, in the order the script produced them; the implicit keep last when in effect.
    public var actions: [SieveAction]
    /// Runtime errors with the place of the failing command.
    public var errors: [SieveDiagnostic]
    /// Header edits, in order (empty when none).
    public var headerEdits: [SieveHeaderEdit]
    /// The header fields of the stored copy after the edits (nil when none were made).
    public var editedHeader: [SieveHeaderField]?
}
