import Foundation
import Glibc

/// A private mail installation for one test: an imapd.conf, a partition with Maildirs, and
/// helpers to run lmtpd against it and to read what was delivered.
final class MailTestbed {
    let root: URL
    let partition: URL
    let configFile: URL

    /// `extraConfig` lines are appended to the generated imapd.conf.
    init(_ label: String, users: [String] = ["alice", "bob"], extraConfig: [String] = []) throws {
        root = try TestPaths.scratchDirectory(label)
        partition = root.appendingPathComponent("mail")
        configFile = root.appendingPathComponent("imapd.conf")
        let configDirectory = root.appendingPathComponent("conf")
        // {configdirectory}/socket holds the service children's accept locks.
        try FileManager.default.createDirectory(at: configDirectory.appendingPathComponent("socket"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: partition, withIntermediateDirectories: true)
        let lines = [
            "configdirectory: \(configDirectory.path)",
            "partition-default: \(partition.path)",
            "servername: test.example",
        ] + extraConfig
            // A stalled test session fails in seconds, not after Cyrus's 360.
            + (extraConfig.contains { $0.hasPrefix("lmtp_idle_timeout:") } ? [] : ["lmtp_idle_timeout: 30"])
        try (lines.joined(separator: "\n") + "\n").write(to: configFile, atomically: true, encoding: .utf8)
        for user in users { try createMailbox(user) }
    }

    deinit { TestPaths.cleanUp(root) }

    /// Adds imapd.conf lines; each replaces a line of the file that sets the same option
    /// (imapd.conf refuses an option given twice).
    func appendConfig(_ lines: [String]) throws {
        let keys = Set(lines.map { $0.prefix { $0 != ":" } })
        let kept = try String(contentsOf: configFile, encoding: .utf8)
            .split(separator: "\n").filter { !keys.contains($0.prefix { $0 != ":" }) }.map(String.init)
        try ((kept + lines).joined(separator: "\n") + "\n").write(to: configFile, atomically: true, encoding: .utf8)
    }

    func maildir(_ user: String) -> URL { partition.appendingPathComponent(user) }

    func createMailbox(_ user: String) throws {
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(at: maildir(user).appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    /// Starts lmtpd on pipes with this testbed's configuration.
    func startLMTPD(_ extraArguments: [String] = []) throws -> ChildProcess {
        try ServiceUserHandover.prepare(root)
        return try ChildProcess(path: TestPaths.executable("lmtpd"), arguments: ["-C", configFile.path] + extraArguments)
    }

    /// Runs one whole session: writes `input`, closes standard input, returns everything lmtpd
    /// wrote and its exit status.
    func session(_ input: String, arguments: [String] = []) throws -> (output: String, status: Int32) {
        let child = try startLMTPD(arguments)
        child.send(input)
        child.closeInput()
        let output = child.readAll()
        return (output, child.wait())
    }

    /// Names of the files in a Maildir subdirectory (`new`, `cur`, `tmp`), sorted.
    func files(_ user: String, in sub: String = "new") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: maildir(user).appendingPathComponent(sub).path)) ?? []).sorted()
    }

    /// The delivered messages of a user (in `new/`), as bytes, in file-name order.
    func messages(_ user: String) -> [[UInt8]] {
        files(user).compactMap { name in
            FileManager.default.contents(atPath: maildir(user).appendingPathComponent("new").appendingPathComponent(name).path).map { [UInt8]($0) }
        }
    }
}

/// Reply lines of an LMTP transcript.
func replyLines(_ output: String) -> [String] {
    output.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
}

/// The stored message without the headers lmtpd prepended (Return-Path, Received with its
/// folded continuation lines).
func withoutTraceHeaders(_ message: [UInt8]) -> String {
    var lines = String(decoding: message, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    while let first = lines.first, first.hasPrefix("Return-Path:") || first.hasPrefix("Received:") || first.hasPrefix("\t") || first.hasPrefix(" ") {
        lines.removeFirst()
    }
    return lines.joined(separator: "\n")
}
