#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

/// One Maildir on disk: a directory holding `cur/`, `new/` and `tmp/`.
///
/// Messages are written in `tmp/` and only ever enter `new/` complete and fsynced, by
/// `link(2)` or `rename(2)`; readers (Dovecot) move them on to `cur/`.
struct Maildir: Sendable, Equatable {
    /// The Maildir's own directory.
    let path: String

    var tmp: String { path + "/tmp" }
    var new: String { path + "/new" }
    var cur: String { path + "/cur" }

    /// Directory mode for everything the store creates (umask still applies).
    static let directoryMode: mode_t = 0o700

    /// A Maildir exists when its `cur`, `new` and `tmp` are all directories.
    var exists: Bool {
        isDirectory(cur) && isDirectory(new) && isDirectory(tmp)
    }

    /// Whether the Maildir's own directory is missing (`ENOENT`/`ENOTDIR` on its path), which
    /// turns a failed open or link into `.mailboxMissing` rather than an I/O error.
    var isMissing: Bool {
        if statPath(path) != nil { return false }
        let code = errno
        return code == ENOENT || code == ENOTDIR
    }

    /// Creates the Maildir and any missing parent directories (mode 0700), then `cur`, `new`
    /// and `tmp`. With `durable`, each directory that received a new entry is fsynced, so the
    /// mailbox survives a crash once this returns. Existing directories are left as they are.
    func create(durable: Bool) throws(StoreError) {
        var dirty: [String] = []
        try Maildir.makeDirectories(path, dirtyParents: &dirty)
        for sub in [cur, new, tmp] {
            if try Maildir.makeDirectory(sub) { dirty.append(path) }
        }
        guard durable else { return }
        var synced = Set<String>()
        for directory in dirty where synced.insert(directory).inserted {
            try fsyncDirectory(directory)
        }
    }

    /// `mkdir -p`: creates each missing component of the absolute `path`, recording the parent
    /// of each created directory in `dirtyParents`.
    private static func makeDirectories(_ path: String, dirtyParents: inout [String]) throws(StoreError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var current = ""
        for part in parts {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if try makeDirectory(current) { dirtyParents.append(parent) }
        }
    }

    /// Creates one directory; true when it was created, false when a directory was already
    /// there.
    private static func makeDirectory(_ path: String) throws(StoreError) -> Bool {
        if retryingEINTR({ mkdir(path, directoryMode) }) == 0 { return true }
        let code = errno
        if code == EEXIST && isDirectory(path) { return false }
        if code == EEXIST { throw StoreError.fromErrno(ENOTDIR, operation: "mkdir \(path)") }
        throw StoreError.fromErrno(code, operation: "mkdir \(path)")
    }

    /// Removes regular files in `tmp/` neither accessed nor modified for `seconds` (Maildir's
    /// 36-hour rule; a file still being written has a fresh mtime even on `noatime` mounts).
    /// They are unlinked, never delivered. Returns how many were removed.
    func sweepTemporaryFiles(olderThan seconds: Int, now: Int) -> Int {
        let directoryFD = openRetrying(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0, let stream = fdopendir(directoryFD) else {
            closeQuietly(directoryFD)
            return 0
        }
        defer { closedir(stream) }
        let limit = now - seconds
        var removed = 0
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(directoryFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            guard (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let newest = max(info.st_atim.tv_sec, info.st_mtim.tv_sec)
            guard newest < limit else { continue }
            if unlinkat(directoryFD, name, 0) == 0 { removed += 1 }
        }
        return removed
    }
}
