import Foundation

/// Throw-away certificates made with the `openssl` command for one test process: a server
/// certificate (self-signed RSA 2048, CN test.example), a CA, a client certificate signed by the
/// CA (CN client.example) and a self-signed client certificate the CA does not know (CN
/// mallory); all but the server's have P-256 keys (quick to make).
final class TestCertificates: @unchecked Sendable {
    let directory: URL
    var serverCert: String { path("server.crt") }
    var serverKey: String { path("server.key") }
    var caCert: String { path("ca.crt") }
    var caKey: String { path("ca.key") }
    var clientCert: String { path("client.crt") }
    var clientKey: String { path("client.key") }
    var strangerCert: String { path("stranger.crt") }
    var strangerKey: String { path("stranger.key") }

    /// Made once per test process.
    static let shared: Result<TestCertificates, any Error> = Result { try TestCertificates() }

    private init() throws {
        directory = certificateDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: certificateDirectory) }
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test.example", "-days", "1",
                          "-keyout", path("server.key"), "-out", path("server.crt")])
        let quickKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(["req", "-x509"] + quickKey + ["-subj", "/CN=Test CA", "-days", "1",
                          "-keyout", path("ca.key"), "-out", path("ca.crt")])
        try Self.openssl(["req"] + quickKey + ["-subj", "/CN=client.example",
                          "-keyout", path("client.key"), "-out", path("client.csr")])
        try Self.openssl(["x509", "-req", "-in", path("client.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                          "-CAcreateserial", "-days", "1", "-out", path("client.crt")])
        try Self.openssl(["req", "-x509"] + quickKey + ["-subj", "/CN=mallory", "-days", "1",
                          "-keyout", path("stranger.key"), "-out", path("stranger.crt")])
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The shared certificates, or a thrown error naming what failed.
    static func get() throws -> TestCertificates { try shared.get() }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw CertificateError(text: "cannot run openssl: \(error)") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateError(text: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}

/// Where this test process keeps its certificates (removed when it exits).
private let certificateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-tests-\(getpid())")

struct CertificateError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}
