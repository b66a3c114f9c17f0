/// Creating a whole mailbox at once: the Maildir, its folders, its quota.
extension Mailstore {
    /// Creates `mailbox`'s Maildir (durably, as `createMailbox(_:)`), then each of `folders`,
    /// then — when `quota` has a limit — a `maildirsize` holding it (an existing quota file is
    /// kept: another process may have created the mailbox and delivered meanwhile).
    /// Safe to run concurrently with itself and with deliveries.
    public func createMailbox(_ mailbox: MailboxAddress, folders: [FolderName], quota: QuotaLimits?) throws(StoreError) {
        try createMailbox(mailbox)
        for folder in folders {
            try createFolder(MailboxTarget(mailbox, folder: folder))
        }
        if let quota, !quota.isUnlimited {
            try setQuota(of: mailbox, limits: quota, replace: false)
        }
    }
}
