import Foundation

/// Where the built programs and a test's scratch files are.
enum TestPaths {
    /// The directory of the running test bundle: SwiftPM puts the package's executables beside it.
    static var binaryDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Some runners execute from inside the .xctest bundle directory.
        if dir.pathExtension == "xctest" { dir.deleteLastPathComponent() }
        return dir
    }

    /// Path of a built executable of this package, e.g. `lmtpd`.
    static func executable(_ name: String) -> String {
        binaryDirectory.appendingPathComponent(name).path
    }

    /// A fresh directory on the real disk (not tmpfs: fsync must mean something), removed by
    /// the caller with `cleanUp`.
    static func scratchDirectory(_ label: String) throws -> URL {
        let base = URL(fileURLWithPath: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")
        let dir = base.appendingPathComponent("cyrusdelivery-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func cleanUp(_ dir: URL) {
        try? FileManager.default.removeItem(at: dir)
    }
}
