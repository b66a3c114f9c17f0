/// Bounds that keep any script from exhausting the delivery process. Defaults are Cyrus's
/// options (`sieve_maxscriptsize`, `sieve_vacation_*`) and Pigeonhole's run limits.
public struct SieveLimits: Sendable {
    /// `sieve_maxscriptsize`: largest script (each included one too), in KB.
    public var maxScriptSizeKB = 32
    /// Deepest nesting of blocks and tests.
    public var maxNesting = 32
    /// Deepest include chain (the main script is depth 0).
    public var maxIncludeDepth = 10
    /// Most scripts reachable through include.
    public var maxIncludedScripts = 64
    /// Most redirects per run (Pigeonhole's `sieve_max_redirects`).
    public var maxRedirects = 4
    /// Most actions per run (Pigeonhole's `sieve_max_actions`).
    public var maxActions = 32
    /// `sieve_vacation_min_response`, seconds.
    public var vacationMinResponse = 3 * 86_400
    /// `sieve_vacation_max_response`, seconds.
    public var vacationMaxResponse = 90 * 86_400
    /// `sieve_duplicate_max_expiration`, seconds.
    public var duplicateMaxExpiration = 90 * 86_400
    /// Longest variable value, in bytes (longer values are cut at a character boundary).
    public var maxVariableSize = 4_096
    /// Largest number of steps of one regular-expression match before it counts as failed.
    public var maxRegexSteps = 1_000_000
    /// Longest mailbox name a script may file into, in bytes.
    public var maxMailboxNameLength = 255

    public init() {}
}

/// Where `include` looks for a script (RFC 6609).
public enum IncludeLocation: String, Sendable {
    case personal, global
}

/// Loads scripts for `include`: the source text of `name` at `location`, nil when there is none.
/// The library never reads files itself; the caller maps names to its storage.
public typealias SieveIncludeLoader = @Sendable (_ name: String, _ location: IncludeLocation) -> [UInt8]?

/// The sender and recipient of the SMTP/LMTP transaction.
public struct SieveEnvelope: Sendable {
    /// MAIL FROM, without angle brackets; empty for the null sender `<>`.
    public var from: String
    /// The recipient `envelope "to"` tests (the original recipient when known).
    public var to: String
    /// The authenticated submitter, if any (`envelope "auth"`).
    public var auth: String?

    public init(from: String, to: String, auth: String? = nil) {
        self.from = from
        self.to = to
        self.auth = auth
    }
}

/// What a duplicate test asks the caller's tracking store (RFC 7352).
public struct DuplicateQuery: Sendable, Hashable {
    /// The `:handle` (empty when none).
    public var handle: String
    /// The unique id: `:uniqueid`, or the value of `:header` (default `Message-ID`).
    public var uniqueID: String
    /// How long to remember it, in seconds (already clamped to the limit).
    public var seconds: Int
    /// `:last`: the expiry restarts at each hit.
    public var last: Bool

    public init(handle: String, uniqueID: String, seconds: Int, last: Bool) {
        self.handle = handle
        self.uniqueID = uniqueID
        self.seconds = seconds
        self.last = last
    }
}
