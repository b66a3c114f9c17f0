#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading configuration files as raw bytes (never as `String`, so invalid UTF-8 is
/// reported by the parsers with a line number instead of failing the whole read).
enum ConfigFile {
    /// Refuse to read more than this (protects against `/dev/zero` and the like).
    static let maximumSize = 16 << 20

    /// The path Cyrus would open: `$CYRUS_PREFIX<path>` when that variable is set and the
    /// prefixed file exists, else `path` itself.
    static func resolve(_ path: String, prefix: String? = getenv("CYRUS_PREFIX").map { String(cString: $0) }) -> String {
        guard let prefix, !prefix.isEmpty else { return path }
        let prefixed = prefix + path
        return access(prefixed, F_OK) == 0 ? prefixed : path
    }

    /// The whole content of the file at `path`.
    ///
    /// Errors are reported against `path` without a line number: cannot open (with the
    /// system's reason), is a directory, too large, read failure.
    static func read(_ path: String) throws(ConfigError) -> [UInt8] {
        if path.isEmpty {
            throw ConfigError(file: path, line: nil, message: "can't open configuration file: empty path")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw ConfigError(file: path, line: nil, message: "can't open configuration file: \(errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            throw ConfigError(file: path, line: nil, message: "can't stat configuration file: \(errnoText())")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ConfigError(file: path, line: nil, message: "is a directory, not a configuration file")
        }
        var bytes: [UInt8] = []
        if (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 {
            bytes.reserveCapacity(min(Int(info.st_size), maximumSize) + 1)
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError(file: path, line: nil, message: "can't read configuration file: \(errnoText())")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumSize {
                throw ConfigError(file: path, line: nil,
                                  message: "configuration file is larger than \(maximumSize >> 20) MiB")
            }
        }
        return bytes
    }

    /// A canonical name for include-cycle detection: `realpath` when the file exists,
    /// else the path as given.
    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The directory part of `path` (`"."` when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` made absolute-or-relative against `directory` when it is relative.
    static func join(_ directory: String, _ path: String) -> String {
        if path.hasPrefix("/") || directory == "." { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The C `read(2)` (a file-scope name, so it is not shadowed by `ConfigFile.read`).
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
