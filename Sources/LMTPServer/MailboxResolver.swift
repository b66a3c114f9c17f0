import LMTP
import Logging
import Mailstore

/// Where a recipient's mail goes, as decided at RCPT (and carried to delivery).
public enum Destination: Equatable, Sendable {
    /// A user's Maildir: its INBOX, or the folder `detail` names when that folder exists and
    /// allows posting (any failure falls back to the INBOX, as Cyrus does).
    case user(MailboxAddress, detail: String?)
    /// A folder of the shared Maildir (`postuser`); there is no fallback.
    case shared(MailboxAddress, folder: FolderName)

    /// The Maildir whose quota applies.
    public var mailbox: MailboxAddress {
        switch self {
        case .user(let mailbox, _), .shared(let mailbox, _): mailbox
        }
    }
}

/// Cyrus's recipient → mailbox rules (`imap/lmtpd.c: verify_user()`, `deliver_local()`) over
/// Maildir++: `virtdomains`, `postuser` shared folders, autocreation, the catch-all, `+detail`
/// folders with fuzzy matching and the post right.
struct MailboxResolver {
    let store: Mailstore
    let addressing: RecipientAddressing
    let policy: DeliveryPolicy
    let logger: Logger

    /// The destination of `recipient`. At RCPT (`create`), a missing user's Maildir is
    /// autocreated when the policy allows. Unknown recipients go to the catch-all, if any.
    func destination(for recipient: Recipient, create: Bool) -> Result<Destination, DeliveryFailure> {
        if recipient.user == policy.postUser {
            // A shared folder (Cyrus's `postuser`, by default `+folder@host`).
            guard let name = policy.sharedMaildir,
                  let mailbox = addressing.mailbox(user: name, domain: recipient.domain),
                  store.mailboxExists(mailbox) else { return catchall() }
            return shared(mailbox, detail: recipient.detail)
        }
        guard let mailbox = addressing.mailbox(for: recipient) else { return catchall() }
        if store.mailboxExists(mailbox) { return .success(.user(mailbox, detail: recipient.detail)) }
        if create, let rules = policy.autocreate, rules.allows(mailbox) {
            do {
                try store.createMailbox(mailbox, folders: rules.folders, quota: rules.quota)
                logger.info("autocreated mailbox", metadata: ["mailbox": "\(mailbox)"])
                return .success(.user(mailbox, detail: recipient.detail))
            } catch {
                logger.error("cannot autocreate mailbox: \(error)", metadata: ["mailbox": "\(mailbox)"])
                return .failure(error.deliveryFailure)
            }
        }
        return catchall()
    }

    /// Where the message is stored for `destination`, for the MAIL `AUTH=` identity (nil:
    /// anonymous, Cyrus's `anyone`).
    func target(for destination: Destination, identity: String?) -> Result<MailboxTarget, DeliveryFailure> {
        switch destination {
        case .shared(let mailbox, let folder):
            let target = MailboxTarget(mailbox, folder: folder)
            guard store.targetExists(target) else { return .failure(.mailboxUnknown) }
            guard mayPost(to: target, identity: identity) else { return .failure(.permissionDenied) }
            return .success(target)
        case .user(let mailbox, let detail):
            return .success(detailFolder(detail, of: mailbox, identity: identity) ?? MailboxTarget(mailbox))
        }
    }

    /// The `+detail` folder when it is usable, else nil (the INBOX).
    private func detailFolder(_ detail: String?, of mailbox: MailboxAddress, identity: String?) -> MailboxTarget? {
        guard let detail, !detail.isEmpty else { return nil }
        let metadata: Logger.Metadata = ["mailbox": "\(mailbox)", "detail": "\(detail)"]
        let wanted: FolderName
        do {
            guard let folder = try FolderName.parse(detail, separator: policy.separator) else { return nil }
            wanted = folder
        } catch {
            logger.info("+detail is not a storable folder name, delivering to INBOX: \(error)", metadata: metadata)
            return nil
        }
        guard let target = existing(wanted, in: mailbox) else {
            logger.debug("+detail folder does not exist, delivering to INBOX", metadata: metadata)
            return nil
        }
        guard mayPost(to: target, identity: identity) else {
            logger.info("+detail folder does not allow posting, delivering to INBOX", metadata: metadata)
            return nil
        }
        return target
    }

    /// The folder itself if it exists, else (with `lmtp_fuzzy_mailbox_match`) the closest match.
    private func existing(_ folder: FolderName, in mailbox: MailboxAddress) -> MailboxTarget? {
        let exact = MailboxTarget(mailbox, folder: folder)
        if store.targetExists(exact) { return exact }
        guard policy.fuzzyFolderMatch, let match = store.fuzzyMatch(folder, in: mailbox) else { return nil }
        return MailboxTarget(mailbox, folder: match)
    }

    /// The post right, when the policy asks for it: `p` for the identity in the folder's
    /// `dovecot-acl` (the Maildir's owner has it by default).
    private func mayPost(to target: MailboxTarget, identity: String?) -> Bool {
        guard policy.folderPostNeedsRight else { return true }
        return store.acl(of: target).allowsPost(by: identity, owner: target.mailbox.qualifiedUser)
    }

    /// `<postuser>+folder`: the folder must exist (or fuzzy-match); with the post right
    /// required, refused at once when its ACL grants `p` to nobody (the identity is checked
    /// at delivery, when it is known).
    private func shared(_ mailbox: MailboxAddress, detail: String?) -> Result<Destination, DeliveryFailure> {
        guard let detail, let parsed = try? FolderName.parse(detail, separator: policy.separator),
              let target = existing(parsed, in: mailbox), let folder = target.folder
        else { return catchall() }
        if policy.folderPostNeedsRight && !store.acl(of: target).grantsPostToSomeone {
            return .failure(.permissionDenied)
        }
        return .success(.shared(mailbox, folder: folder))
    }

    /// `lmtp_catchall_mailbox`: that user's INBOX, when it exists; else unknown.
    private func catchall() -> Result<Destination, DeliveryFailure> {
        guard let name = policy.catchallMailbox else { return .failure(.mailboxUnknown) }
        let at = name.lastIndex(of: "@")
        let user = at.map { String(name[..<$0]) } ?? name
        let domain = at.map { String(name[name.index(after: $0)...]) }
        guard let mailbox = addressing.mailbox(user: user, domain: domain), store.mailboxExists(mailbox) else {
            return .failure(.mailboxUnknown)
        }
        return .success(.user(mailbox, detail: nil))
    }
}
