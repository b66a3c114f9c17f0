import Glibc
import Sieve
import Synchronization

/// Compiled Sieve scripts, kept per process and reused while the script file and every file
/// it includes are unchanged (same device, inode, size and modification time), so a user's
/// script is compiled once per lmtpd process, not once per message.
final class SieveScriptCache: Sendable {
    /// What a script compiled to, or why it did not.
    enum Entry: Sendable {
        case compiled(CompiledScript)
        case failed(String)
    }

    /// A file as it was when it was read.
    struct FileIdentity: Sendable, Equatable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var modifiedNanoseconds: Int

        /// The file's identity now; nil when it does not exist (a missing include counts too).
        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            self.path = path
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec)
            modifiedNanoseconds = info.st_mtim.tv_nsec
        }
    }

    /// An include as it was resolved when the script was compiled.
    private struct Include: Sendable, Equatable {
        var name: String
        var location: IncludeLocation
        var path: String?
    }

    private struct Cached: Sendable {
        var files: [FileIdentity]
        var missing: [String]
        /// Includes are looked up again on every use: where one is kept can change without
        /// any file here changing (a new upload to Cyrus's `#sieve` mailbox is a new message).
        var includes: [Include]
        var entry: Entry
    }

    /// At most this many scripts are kept (then the cache starts afresh).
    static let capacity = 1024
    private let entries = Mutex<[String: Cached]>([:])

    /// The compiled script at `script.path` (with its includes), from the cache when no file
    /// changed, else read and compiled now. `read` returns a file's bytes (nil when absent or
    /// too large); `includePath` maps an include to its file.
    func script(_ path: String, maxBytes: Int, limits: SieveLimits,
                includePath: @escaping @Sendable (String, IncludeLocation) -> String?,
                read: @escaping @Sendable (String, Int) -> [UInt8]?) -> Entry? {
        if let hit = entries.withLock({ $0[path] }), Self.unchanged(hit, includePath: includePath) { return hit.entry }
        guard let main = FileIdentity(path: path) else { return nil }
        guard let source = read(path, maxBytes) else {
            return remember(path, Cached(files: [main], missing: [], includes: [],
                                         entry: .failed("script larger than sieve_maxscriptsize (\(maxBytes / 1024) KiB) or unreadable")))
        }
        let seen = Mutex<(files: [FileIdentity], missing: [String], includes: [Include])>(([main], [], []))
        let loader: SieveIncludeLoader = { name, location in
            let file = includePath(name, location)
            seen.withLock { $0.includes.append(Include(name: name, location: location, path: file)) }
            guard let file else { return nil }
            guard let identity = FileIdentity(path: file), let bytes = read(file, maxBytes) else {
                seen.withLock { $0.missing.append(file) }
                return nil
            }
            seen.withLock { $0.files.append(identity) }
            return bytes
        }
        let entry: Entry
        do throws(SieveCompileError) {
            entry = .compiled(try SieveCompiler.compile(source, name: path, includeLoader: loader, limits: limits))
        } catch {
            entry = .failed(error.description)
        }
        let (files, missing, includes) = seen.withLock { ($0.files, $0.missing, $0.includes) }
        return remember(path, Cached(files: files, missing: missing, includes: includes, entry: entry))
    }

    private func remember(_ path: String, _ cached: Cached) -> Entry {
        entries.withLock { table in
            if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            table[path] = cached
        }
        return cached.entry
    }

    /// Every file still as it was, every include that was missing still missing, and every
    /// include still found where it was.
    private static func unchanged(_ cached: Cached, includePath: (String, IncludeLocation) -> String?) -> Bool {
        cached.files.allSatisfy { FileIdentity(path: $0.path) == $0 }
            && cached.missing.allSatisfy { FileIdentity(path: $0) == nil }
            && cached.includes.allSatisfy { includePath($0.name, $0.location) == $0.path }
    }
}
