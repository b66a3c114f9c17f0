#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

/// A Maildir's quota as its `maildirsize` file tells it.
public struct QuotaStatus: Sendable, Equatable {
    public var limits: QuotaLimits
    public var usage: QuotaUsage
    /// Whether reading it had to recalculate the usage from the folders (a directory scan).
    public var recalculated: Bool

    public init(limits: QuotaLimits, usage: QuotaUsage, recalculated: Bool = false) {
        self.limits = limits
        self.usage = usage
        self.recalculated = recalculated
    }
}

/// Maildir++ quota (the `maildirsize` file in the Maildir root), kept the way Dovecot's
/// `quota = maildir` reads it: the limits are the file's first line; usage is the sum of the
/// lines after it. No file means no quota. Reading is one `open` + `read`; the file is
/// recalculated from the folders (new/ and cur/ of the INBOX and every `.folder`) only when
/// the Maildir++ rules say so: it is 5120 bytes or longer, cannot be parsed, or is over quota
/// with more than one usage line or unchanged for 15 minutes.
extension Mailstore {
    /// The quota file's name in the Maildir root.
    public static let quotaFileName = "maildirsize"

    /// The quota of `mailbox`'s Maildir, or nil when it has no `maildirsize` (no quota).
    /// Recalculates (and atomically rewrites) the file when the Maildir++ rules require it.
    public func quota(of mailbox: MailboxAddress) throws(StoreError) -> QuotaStatus? {
        guard let root = maildirPath(for: mailbox) else { throw .invalidMailbox }
        let path = root + "/" + Mailstore.quotaFileName
        guard let (bytes, info) = try readSmallFile(path, limit: MaildirSize.recalculationSize) else { return nil }
        let limits = MaildirSize.limits(in: bytes)
        if bytes.count < MaildirSize.recalculationSize, let parsed = MaildirSize.parse(bytes) {
            let age = RealtimeClock.now().seconds - Int(info.st_mtim.tv_sec)
            if !parsed.needsRecalculation(fileAge: age) {
                return QuotaStatus(limits: parsed.limits, usage: parsed.usage)
            }
        }
        let usage = try recalculateQuota(root: root, limits: limits, replace: true)
        return QuotaStatus(limits: limits, usage: usage, recalculated: true)
    }

    /// Records a change of `mailbox`'s usage: appends `<bytes> <messages>` to its `maildirsize`
    /// with one `O_APPEND` write (atomic against other writers). Nothing happens when the
    /// Maildir has no quota file.
    public func recordQuotaUsage(of mailbox: MailboxAddress, bytes: Int, messages: Int) throws(StoreError) {
        guard let root = maildirPath(for: mailbox) else { throw .invalidMailbox }
        let path = root + "/" + Mailstore.quotaFileName
        let fd = openRetrying(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return }
            throw StoreError.fromErrno(errno, operation: "open \(path)")
        }
        defer { closeQuietly(fd) }
        let line = Array(MaildirSize.usageLine(bytes: bytes, messages: messages).utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != line.count {
            throw StoreError.fromErrno(written < 0 ? errno : EIO, operation: "append to \(path)")
        }
    }

    /// Gives `mailbox` a fresh `maildirsize` with `limits` and the usage counted from its
    /// folders. With `replace: false` an existing file is kept (its limits win).
    /// Returns the usage counted.
    @discardableResult
    public func setQuota(of mailbox: MailboxAddress, limits: QuotaLimits, replace: Bool = true) throws(StoreError) -> QuotaUsage {
        guard let root = maildirPath(for: mailbox) else { throw .invalidMailbox }
        return try recalculateQuota(root: root, limits: limits, replace: replace)
    }

    /// Counts the Maildir's usage and writes `limits` plus that usage to `maildirsize` through a
    /// file in `tmp/` (rename to replace, link to create only). If a folder changed while it was
    /// being counted, the count is returned but not written (the next reader recounts).
    private func recalculateQuota(root: String, limits: QuotaLimits, replace: Bool) throws(StoreError) -> QuotaUsage {
        let scan = MaildirUsage.scan(root: root)
        if !replace || !MaildirUsage.changed(root: root, since: scan.latestChange) {
            let text = MaildirSize(limits: limits, usage: scan.usage).text
            try installFile(text, as: root + "/" + Mailstore.quotaFileName, via: Maildir(path: root).tmp, replace: replace)
        }
        return scan.usage
    }

    /// Writes `text` to a fresh file in `temporaryDirectory`, makes it durable (when the store
    /// fsyncs), then renames it over `path` (`replace`) or links it there unless a file exists.
    func installFile(_ text: String, as path: String, via temporaryDirectory: String, replace: Bool) throws(StoreError) {
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<Mailstore.nameAttempts {
            temporary = temporaryDirectory + "/" + UniqueName.make(host: "quota")
            fd = openRetrying(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 { throw StoreError.fromErrno(errno, operation: "create \(temporary)") }
        defer { unlinkQuietly(temporary) }
        do throws(StoreError) {
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { raw in
                Result { () throws(StoreError) in try writeAll(fd, raw.baseAddress!, raw.count, path: temporary) }
            }
            try written.get()
            if config.fsync { try fsyncRetrying(fd, path: temporary) }
        } catch {
            closeQuietly(fd)
            throw error
        }
        closeQuietly(fd)
        let code = replace ? renameRetrying(temporary, path) : linkRetrying(temporary, path)
        if code != 0 && !(code == EEXIST && !replace) {
            throw StoreError.fromErrno(code, operation: "install \(path)")
        }
        if config.fsync, let slash = path.lastIndex(of: "/") { try fsyncDirectory(String(path[..<slash])) }
    }
}

extension MaildirSize {
    /// The limits on a file's first complete line (no limits when there is none), which hold
    /// even when the usage lines cannot be trusted.
    static func limits(in bytes: [UInt8]) -> QuotaLimits {
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return QuotaLimits() }
        return QuotaLimits.parse(definition: Substring(decoding: bytes[..<end], as: UTF8.self))
    }
}
