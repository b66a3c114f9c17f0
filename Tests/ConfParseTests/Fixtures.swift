import Foundation
import Testing
@testable import ConfParse

/// Locates the parser fixtures of this repository, `Tests/Fixtures/` (found from this file's
/// path, so any clone works). `Tests/Fixtures/README.md` lists what each file must yield.
enum Fixtures {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "parser fixture not found at \(path)" }
    }

    /// `<repository>/Tests/Fixtures`.
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }

    /// The absolute path of `relative` under `Tests/Fixtures/`; throws (failing the test) when absent.
    static func path(_ relative: String) throws -> String {
        let path = directory + "/" + relative
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }
}

/// A scratch directory; the test that makes one removes it with `defer { dir.remove() }`.
struct TempDir {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("confparse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    /// Writes `content` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ content: String) throws -> String {
        try write(name, Array(content.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Parses cyrus.conf text, returning the error instead of throwing.
func cyrusResult(_ text: String, mode: CyrusConf.Mode = .strict) -> Result<CyrusConf, ConfigError> {
    Result(catching: { () throws(ConfigError) -> CyrusConf in try CyrusConf.parse(text, path: "t.conf", mode: mode) })
}

/// The errors of parsing cyrus.conf text (empty when it parses).
func cyrusErrors(_ text: String, mode: CyrusConf.Mode = .strict) -> [ConfigDiagnostic] {
    if case .failure(let error) = cyrusResult(text, mode: mode) { return error.diagnostics }
    return []
}

/// Parses imapd.conf text, returning the error instead of throwing.
func imapdResult(_ text: String, service: String = "lmtp", path: String = "imapd.conf") -> Result<ImapdConfig, ConfigError> {
    Result(catching: { () throws(ConfigError) -> ImapdConfig in try ImapdConfig.parse(text, path: path, service: service) })
}

/// The errors of parsing imapd.conf text (empty when it parses).
func imapdErrors(_ text: String, service: String = "lmtp") -> [ConfigDiagnostic] {
    if case .failure(let error) = imapdResult(text, service: service) { return error.diagnostics }
    return []
}
