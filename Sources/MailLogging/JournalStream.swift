import Glibc

/// `JOURNAL_STREAM`: systemd sets it to `<device>:<inode>` of the stream it connected to
/// stdout/stderr. When standard error is that stream, log lines belong in the journal
/// (with priorities and fields), not in a second copy through syslog.
public enum JournalStream {
    /// Whether fd 2 is the journal stream systemd gave this process.
    public static func standardErrorIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        return isJournal(fd: 2, journalStream: String(cString: value))
    }

    /// Whether `fd` is the file that a `JOURNAL_STREAM` value (`<device>:<inode>`) names.
    public static func isJournal(fd: Int32, journalStream value: String) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
