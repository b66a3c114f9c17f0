import LMTP
import Logging
import Mailstore

/// Cyrus's quota rule (`imap/quota_db.c: quota_check()`) over Maildir++ `maildirsize` files.
///
/// Default: refuse only when the usage *already exceeds* a limit (one message may overshoot).
/// `lmtp_strict_quota`: refuse when usage + this message's size exceeds the byte limit, or
/// usage + 1 message exceeds the count limit. `IGNOREQUOTA` skips the check. A Maildir without
/// `maildirsize` has no quota. An unreadable quota file is logged and does not stop delivery.
struct QuotaPolicy {
    let store: Mailstore
    let strict: Bool
    let permanent: Bool
    let logger: Logger

    /// The failure for a recipient over quota.
    var overQuota: DeliveryFailure { .overQuota(permanent: permanent) }

    /// Whether `mailbox` may take a message of `size` bytes (at RCPT: MAIL's `SIZE=` or 0).
    func admits(_ mailbox: MailboxAddress, size: Int) -> Bool {
        let status: QuotaStatus?
        do {
            status = try store.quota(of: mailbox)
        } catch {
            logger.error("cannot read quota, delivering anyway: \(error)", metadata: ["mailbox": "\(mailbox)"])
            return true
        }
        guard let status else { return true }
        if status.recalculated {
            logger.info("quota recalculated", metadata: [
                "mailbox": "\(mailbox)", "bytes": "\(status.usage.bytes)", "messages": "\(status.usage.messages)",
            ])
        }
        var usage = status.usage
        if strict {
            usage.bytes += size
            usage.messages += 1
        }
        return !usage.exceeds(status.limits)
    }

    /// Counts a stored message in its Maildir's `maildirsize` (if it has one).
    func record(_ message: DeliveredMessage) {
        do {
            try store.recordQuotaUsage(of: message.mailbox, bytes: message.size, messages: 1)
        } catch {
            logger.error("cannot update quota: \(error)", metadata: ["mailbox": "\(message.mailbox)"])
        }
    }
}
