#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

/// A Maildir's `dovecot-keywords` file, Dovecot's map from the keyword letters of file names
/// to keyword names: one line `<n> <keyword>` per keyword, letter `a` + n, at most 26.
///
/// lmtpd only ever appends lines (under an fcntl lock on the file, then fsync), so a reader
/// sees the old map or the old map plus new lines, and an existing letter never changes
/// meaning. Depends on: Glibc and this module's POSIX helpers.
enum DovecotKeywords {
    static let fileName = "dovecot-keywords"
    /// Letters `a` to `z`.
    static let limit = 26
    /// A keywords file larger than this is not a keywords file.
    static let sizeLimit = 64 * 1024

    /// The letters (sorted) for `keywords` in the Maildir at `maildir`, adding the missing ones
    /// to its keywords file. Keywords that do not fit (all 26 letters taken) are returned in
    /// `dropped`: the message is stored without them.
    static func letters(for keywords: [String], maildir: String, fsync: Bool) throws(StoreError) -> (letters: String, dropped: [String]) {
        guard !keywords.isEmpty else { return ("", []) }
        let path = maildir + "/" + fileName
        let fd = openRetrying(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.fromErrno(errno, operation: "open \(path)") }
        defer { closeQuietly(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        if retryingEINTR({ fcntl(fd, F_SETLKW, &lock) }) != 0 { throw StoreError.fromErrno(errno, operation: "lock \(path)") }
        var map = try read(fd, path: path)
        var letters: [UInt8] = []
        var dropped: [String] = []
        var added = ""
        for keyword in keywords {
            if let index = map.firstIndex(of: keyword) {
                letters.append(UInt8(ascii: "a") + UInt8(index))
            } else if let free = map.firstIndex(of: nil) ?? (map.count < limit ? map.count : nil) {
                if free == map.count { map.append(keyword) } else { map[free] = keyword }
                added += "\(free) \(keyword)\n"
                letters.append(UInt8(ascii: "a") + UInt8(free))
            } else {
                dropped.append(keyword)
            }
        }
        if !added.isEmpty {
            let end = lseek(fd, 0, SEEK_END)
            if end < 0 { throw StoreError.fromErrno(errno, operation: "seek \(path)") }
            var bytes = Array(added.utf8)
            try writeAll(fd, &bytes, bytes.count, path: path)
            if fsync { try fsyncRetrying(fd, path: path) }
        }
        return (String(decoding: letters.sorted(), as: UTF8.self), dropped)
    }

    /// The map as stored: index → keyword (nil for an index no line names).
    private static func read(_ fd: Int32, path: String) throws(StoreError) -> [String?] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while bytes.count <= sizeLimit {
            let n = retryingEINTR { pread(fd, &chunk, chunk.count, offset) }
            if n < 0 { throw StoreError.fromErrno(errno, operation: "read \(path)") }
            if n == 0 { break }
            bytes += chunk[0..<n]
            offset += off_t(n)
        }
        var map: [String?] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let space = line.firstIndex(of: UInt8(ascii: " ")),
                  let index = Int(String(decoding: line[line.startIndex..<space], as: UTF8.self)),
                  index >= 0, index < limit else { continue }
            while map.count <= index { map.append(nil) }
            map[index] = String(decoding: line[line.index(after: space)...], as: UTF8.self)
        }
        return map
    }
}
