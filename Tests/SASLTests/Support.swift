import Foundation
import SASL
import Testing

/// A private sasldb made with Debian's `saslpasswd2`, and the options that point libsasl at it.
final class SASLDatabase {
    let directory: URL
    let path: String
    let realm: String

    init(realm: String = "test.example", users: [String: String]) throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("sasltests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("sasldb2").path
        self.realm = realm
        for (user, password) in users.sorted(by: { $0.key < $1.key }) { try add(user, password: password) }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// `saslpasswd2 -c -p -f <db> -u <realm> <user>` with the password on standard input.
    func add(_ user: String, password: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/saslpasswd2")
        process.arguments = ["-c", "-p", "-f", path, "-u", realm, user]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(password.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// `sasl_pwcheck_method: auxprop`, `sasl_auxprop_plugin: sasldb`, `sasl_sasldb_path: <db>`.
    var options: SASLOptions {
        SASLOptions(generic: ["pwcheck_method": "auxprop", "auxprop_plugin": "sasldb", "sasldb_path": path])
    }
}

/// Starts libsasl once for the test process, with no options (every installed plugin loaded).
func startLibrary() {
    #expect((try? SASLLibrary.start(options: SASLOptions()).get()) != nil)
}

/// HMAC-MD5 in lower-case hex (CRAM-MD5's response), computed by Python's standard library.
func hmacMD5(key: [UInt8], message: [UInt8]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let script = "import hmac,sys;print(hmac.new(bytes.fromhex(sys.argv[1]),bytes.fromhex(sys.argv[2]),'md5').hexdigest())"
    let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
    process.arguments = ["python3", "-c", script, hex(key), hex(message)]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch { return "" }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
