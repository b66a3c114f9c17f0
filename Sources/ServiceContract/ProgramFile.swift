import Glibc

/// The running program's file as Cyrus's children watch it (`master/service.c`): a child whose
/// executable was replaced (other inode, size or mtime) or removed stops accepting and exits 0,
/// so that master starts the new version.
public struct ProgramFile: Sendable {
    /// Path of the executable at start (the target of /proc/self/exe), nil if unknown.
    public let path: String?
    private let identity: Identity?

    struct Identity: Equatable {
        var inode: UInt
        var size: Int
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
    }

    /// Remembers the running executable now.
    public init() {
        path = Self.executablePath()
        identity = path.flatMap(Self.identity(of:))
    }

    /// Whether the file at `path` no longer is the one seen at start (or cannot be stat'ed).
    /// Always false when the path was not known at start.
    public var hasChanged: Bool {
        guard let path, let identity else { return false }
        return Self.identity(of: path) != identity
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The file was already replaced before we looked: nothing sensible to watch.
        return path.hasSuffix(" (deleted)") ? nil : path
    }

    private static func identity(of path: String) -> Identity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Identity(inode: UInt(status.st_ino), size: Int(status.st_size),
                        mtimeSeconds: Int(status.st_mtim.tv_sec), mtimeNanoseconds: Int(status.st_mtim.tv_nsec))
    }
}
