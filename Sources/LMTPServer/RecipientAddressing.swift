import LMTP
import Mailstore

/// Cyrus's rules for which mailbox an LMTP recipient names (`virtdomains`, `defaultdomain`).
/// The engine has already split the address and applied `lmtp_downcase_rcpt`.
public struct RecipientAddressing: Sendable {
    /// Cyrus's `virtdomains`: off ignores the recipient's domain.
    public var virtualDomains: Bool
    /// Cyrus's `defaultdomain`: a recipient domain equal to it counts as no domain.
    public var defaultDomain: String?
    public init(virtualDomains: Bool, defaultDomain: String?) {
        self.virtualDomains = virtualDomains
        self.defaultDomain = defaultDomain
    }

    /// The mailbox a recipient delivers to, or nil when the address can never be a mailbox
    /// (empty, `..`, `/`, control characters...: the store's validation decides).
    public func mailbox(for recipient: Recipient) -> MailboxAddress? {
        mailbox(user: recipient.user, domain: recipient.domain)
    }

    /// The mailbox of `user` at `domain` under the `virtdomains` rules.
    public func mailbox(user: String, domain given: String?) -> MailboxAddress? {
        var domain: String? = nil
        if virtualDomains, let given, !given.isEmpty,
           given.lowercased() != defaultDomain?.lowercased() {
            domain = given
        }
        return MailboxAddress.validated(user: user, domain: domain)
    }
}
