import Foundation
import Glibc

/// The shared libraries that binaries built on this host load (as `ldd` lists them, plus
/// libsasl2's plugins, which it opens itself) and that a root file system lacks: files to copy
/// to the same path inside (their directory exists there, as /lib/x86_64-linux-gnu does), and
/// directories the root has not at all, to bind read-only (the Swift runtime's, which a debug
/// build finds through its RUNPATH).
struct SystemdContainerLibraries {
    private(set) var copies: [String] = []
    private(set) var directories: [String] = []

    init(of binaries: [String], root: String) throws {
        var libraries: [String] = []
        for binary in binaries { libraries += try Self.ldd(binary) }
        if let sasl = libraries.first(where: { ($0 as NSString).lastPathComponent.hasPrefix("libsasl2.so") }) {
            let plugins = Self.realPath(sasl).map { ($0 as NSString).deletingLastPathComponent + "/sasl2" } ?? ""
            for name in (try? FileManager.default.contentsOfDirectory(atPath: plugins)) ?? [] where name.hasSuffix(".so") {
                libraries.append(plugins + "/" + name)
                libraries += try Self.ldd(plugins + "/" + name)
            }
        }
        for library in Set(libraries).sorted() where access(root + library, F_OK) != 0 {
            let directory = (library as NSString).deletingLastPathComponent
            if access(root + directory, F_OK) == 0 {
                copies.append(library)
            } else if !directories.contains(directory) {
                directories.append(directory)
            }
        }
    }

    /// The absolute paths `ldd` resolves for `binary` (the loader included).
    static func ldd(_ binary: String) throws -> [String] {
        let ldd = try ChildProcess(path: "/usr/bin/ldd", arguments: [binary])
        let output = ldd.readAll()
        guard ldd.wait() == 0 else { throw HarnessError("ldd \(binary) failed: \(output)") }
        return output.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
                return String(words[arrow + 1])
            }
            return words.first.flatMap { $0.hasPrefix("/") ? String($0) : nil }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
