/// Everything a run needs to know about the world, as values and callbacks (no I/O inside).
public struct SieveContext: Sendable {
    /// The user's own addresses: vacation replies only to mail addressed to one of them.
    public var userAddresses: [String]
    /// `mailboxexists`: does the folder exist (`INBOX` included)?
    public var mailboxExists: @Sendable (String) -> Bool
    /// `duplicate`: has this id been seen (and tracked) before?
    public var isDuplicate: @Sendable (DuplicateQuery) -> Bool
    /// The current time, seconds since 1970 UTC (`currentdate`).
    public var now: Int64
    /// The local zone's offset from UTC, minutes (`date`/`currentdate` without `:zone`).
    public var localZoneOffsetMinutes: Int
    /// RFC 5183 environment items (`domain`, `host`, `remote-host`, ...); `name`, `version`,
    /// `location` and `phase` have defaults.
    public var environment: [String: String]
    /// Run limits (redirects, actions, vacation interval, ...).
    public var limits: SieveLimits

    public init(userAddresses: [String] = [],
                mailboxExists: @escaping @Sendable (String) -> Bool = { _ in true },
                isDuplicate: @escaping @Sendable (DuplicateQuery) -> Bool = { _ in false },
                now: Int64 = 0, localZoneOffsetMinutes: Int = 0,
                environment: [String: String] = [:], limits: SieveLimits = SieveLimits()) {
        self.userAddresses = userAddresses
        self.mailboxExists = mailboxExists
        self.isDuplicate = isDuplicate
        self.now = now
        self.localZoneOffsetMinutes = localZoneOffsetMinutes
        self.environment = environment
        self.limits = limits
    }

    func environmentItem(_ name: String) -> String? {
        if let value = environment[name] { return value }
        switch name {
        case "name": return "CyrusDelivery"
        case "version": return "1.0"
        case "location": return "MDA"
        case "phase": return "during"
        default: return nil
        }
    }
}
