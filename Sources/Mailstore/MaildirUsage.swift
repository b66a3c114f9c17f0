#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counting what a Maildir holds, for a `maildirsize` recalculation: every file in `new/` and
/// `cur/` of the INBOX (the root) and of every `.folder`, sized by the `,S=<size>` in its name
/// (or by `stat` when the name has none), as Dovecot's quota recalculation counts. Trash is
/// counted like any folder (Dovecot's default; it ignores a folder only when told to).
enum MaildirUsage {
    struct Scan {
        var usage = QuotaUsage()
        /// The newest modification time (seconds) of the directories counted.
        var latestChange = 0
    }

    /// Counts the Maildir at `root`.
    static func scan(root: String) -> Scan {
        var scan = Scan()
        for directory in messageDirectories(root: root) {
            guard let info = statPath(directory), (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            scan.latestChange = max(scan.latestChange, Int(info.st_mtim.tv_sec))
            count(directory, into: &scan.usage)
        }
        return scan
    }

    /// Whether any counted directory was modified after `latestChange` (then a count taken
    /// meanwhile may be wrong and is not written).
    static func changed(root: String, since latestChange: Int) -> Bool {
        for directory in messageDirectories(root: root) {
            if let info = statPath(directory), Int(info.st_mtim.tv_sec) > latestChange { return true }
        }
        return false
    }

    /// `new/` and `cur/` of the root and of each `.folder` directory.
    static func messageDirectories(root: String) -> [String] {
        var mailboxes = [root]
        for name in directoryEntries(root) where name.hasPrefix(".") && isDirectory(root + "/" + name) {
            mailboxes.append(root + "/" + name)
        }
        return mailboxes.flatMap { [$0 + "/new", $0 + "/cur"] }
    }

    /// Adds the messages of one directory.
    private static func count(_ directory: String, into usage: inout QuotaUsage) {
        for name in directoryEntries(directory) {
            if let size = sizeField(name) {
                usage.bytes += size
                usage.messages += 1
            } else if let info = statPath(directory + "/" + name) {
                usage.bytes += Int(info.st_size)
                usage.messages += 1
            }
        }
    }

    /// The value of `,S=<digits>` in a Maildir file name when it ends there or at `:` or `,`.
    static func sizeField(_ name: String) -> Int? {
        let bytes = Array(name.utf8)
        let marker = Array(",S=".utf8)
        guard bytes.count > marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            var index = start + marker.count
            var value = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                value = value &* 10 &+ Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            if index == bytes.count || bytes[index] == UInt8(ascii: ":") || bytes[index] == UInt8(ascii: ",") {
                return value
            }
            return nil
        }
        return nil
    }
}
