/// A mailbox owner as the store sees it: a user and, when virtual domains are in force, a
/// domain. Values exist only in validated form, so a user or domain can never name a file
/// outside the mailstore (no `/`, no `..`, no control bytes, no leading dot).
public struct MailboxAddress: Sendable, Hashable, CustomStringConvertible {
    /// The user (the local part without `+detail`), e.g. `alice`.
    public let user: String
    /// The domain, or nil when none is in force.
    public let domain: String?

    /// The longest name a single path component may have (Linux `NAME_MAX`).
    public static let maximumComponentBytes = 255

    /// The address, or nil when `user` or `domain` cannot be stored safely:
    /// empty, `.` or `..`, containing `/`, NUL or another control byte (< 0x20, 0x7f),
    /// starting with `.`, or longer than 255 bytes; a domain additionally may not contain `..`.
    public static func validated(user: String, domain: String? = nil) -> MailboxAddress? {
        guard isSafeUser(user) else { return nil }
        if let domain, !isSafeDomain(domain) { return nil }
        return MailboxAddress(unchecked: user, domain: domain)
    }

    /// Throwing form of `validated(user:domain:)`: fails with `.invalidMailbox`.
    public init(user: String, domain: String? = nil) throws(StoreError) {
        guard let address = MailboxAddress.validated(user: user, domain: domain) else {
            throw .invalidMailbox
        }
        self = address
    }

    private init(unchecked user: String, domain: String?) {
        self.user = user
        self.domain = domain
    }

    /// `user@domain`, or `user` without a domain (the value of `%u`).
    public var qualifiedUser: String {
        if let domain { return "\(user)@\(domain)" }
        return user
    }

    public var description: String { qualifiedUser }

    /// A user name is one safe path component.
    static func isSafeUser(_ user: String) -> Bool {
        isSafeComponent(user)
    }

    /// A domain is one safe path component that also never contains `..`.
    static func isSafeDomain(_ domain: String) -> Bool {
        guard isSafeComponent(domain) else { return false }
        var previousWasDot = false
        for byte in domain.utf8 {
            let isDot = byte == UInt8(ascii: ".")
            if isDot && previousWasDot { return false }
            previousWasDot = isDot
        }
        return true
    }

    /// Non-empty, at most 255 bytes, no leading `.` (which also excludes `.` and `..`),
    /// no `/`, no NUL or other control byte.
    static func isSafeComponent(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, first != UInt8(ascii: ".") else { return false }
        guard bytes.count <= maximumComponentBytes else { return false }
        for byte in bytes where byte < 0x20 || byte == 0x7f || byte == UInt8(ascii: "/") {
            return false
        }
        return true
    }
}
