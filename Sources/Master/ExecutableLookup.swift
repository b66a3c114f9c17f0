import Glibc

/// Where the program of a `cmd=` is found (Cyrus's `get_executable()` and
/// `verify_service_file()`, extended): an absolute argv[0] is used as is; a relative one is
/// looked up beside the minimaster binary first (so a checkout's `lmtpd` is found), then in
/// Cyrus's `LIBEXEC_DIR` (`/usr/lib/cyrus/bin` on Debian), then in `/usr/sbin`. The file must
/// be a regular file with the owner-execute bit.
public struct ExecutableLookup: Sendable {
    /// Directories tried, in order, for a relative argv[0].
    public var searchDirectories: [String]

    public init(searchDirectories: [String]) {
        self.searchDirectories = searchDirectories
    }

    /// Debian Cyrus's directories, preceded by the directory of the running program.
    public static func standard() -> ExecutableLookup {
        var directories: [String] = []
        if let own = ownDirectory() { directories.append(own) }
        directories += ["/usr/lib/cyrus/bin", "/usr/sbin"]
        return ExecutableLookup(searchDirectories: directories)
    }

    /// The path to execute for `argv0`, or nil when no usable file exists.
    public func resolve(_ argv0: String) -> String? {
        if argv0.isEmpty { return nil }
        if argv0.hasPrefix("/") { return Self.isExecutableFile(argv0) ? argv0 : nil }
        for directory in searchDirectories {
            let candidate = directory.hasSuffix("/") ? directory + argv0 : directory + "/" + argv0
            if Self.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// A regular file (after following links) with the owner-execute bit, as Cyrus checks.
    public static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG && (info.st_mode & S_IXUSR) != 0
    }

    /// The directory of `/proc/self/exe`.
    static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
