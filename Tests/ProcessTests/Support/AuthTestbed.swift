import Foundation
import Glibc

/// A MailTestbed whose imapd.conf points libsasl2 at a private sasldb made with Debian's
/// `saslpasswd2` (users alice/secret and bob/hunter2, realm = servername `test.example`).
final class AuthTestbed {
    static let users = ["alice": "secret", "bob": "hunter2"]
    static let realm = "test.example"

    let bed: MailTestbed
    let sasldb: String

    /// `config` lines come after the SASL lines (plain-text mechanisms are allowed by default:
    /// the tests run without TLS; `failedloginpause: 1` keeps wrong passwords quick).
    static let defaultConfig = ["allowplaintext: yes", "failedloginpause: 1"]

    init(_ label: String, config: [String] = AuthTestbed.defaultConfig) throws {
        bed = try MailTestbed("auth-\(label)")
        sasldb = try Self.addSASL(to: bed, config: config)
    }

    /// Makes `<bed>/sasldb2` with the test users and points the bed's imapd.conf at it;
    /// returns the database's path.
    static func addSASL(to bed: MailTestbed, config: [String] = AuthTestbed.defaultConfig) throws -> String {
        let database = bed.root.appendingPathComponent("sasldb2").path
        for (user, password) in users.sorted(by: { $0.key < $1.key }) {
            try saslpasswd(database, user: user, password: password)
        }
        try appendConfig(bed, [
            "sasl_pwcheck_method: auxprop",
            "sasl_auxprop_plugin: sasldb",
            "sasl_sasldb_path: \(database)",
        ] + config)
        return database
    }

    /// Adds lines to a bed's imapd.conf.
    static func appendConfig(_ bed: MailTestbed, _ lines: [String]) throws {
        try bed.appendConfig(lines)
    }

    /// `saslpasswd2 -c -p -f <db> -u test.example <user>`, the password on standard input.
    static func saslpasswd(_ database: String, user: String, password: String) throws {
        let result = try runTool("/usr/sbin/saslpasswd2", ["-c", "-p", "-f", database, "-u", realm, user], input: password, timeout: 10)
        guard result.status == 0 else { throw HarnessError("saslpasswd2 failed: \(result.output)") }
    }

    /// The stored messages of `user` as text.
    func texts(_ user: String) -> [String] {
        bed.messages(user).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Runs a program with a deadline (killed after `timeout` seconds); returns its exit status
/// and its standard output and error together.
func runTool(_ path: String, _ arguments: [String], input: String? = nil, timeout: Double) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
    }
    // Read while it runs (a full pipe would stall it), up to the deadline.
    let collected = OutputCollector(output.fileHandleForReading)
    let end = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < end { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        usleep(200_000)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    return (process.terminationStatus, collected.finish())
}

/// Drains a pipe on a background thread.
private final class OutputCollector: @unchecked Sendable {
    private let handle: FileHandle
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        self.handle = handle
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> String {
        _ = done.wait(timeout: .now() + 5)
        return String(decoding: data, as: UTF8.self)
    }
}
