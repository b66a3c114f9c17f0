import Foundation

/// Throw-away TLS files made with `openssl req` in a test's directory: a server certificate
/// (self-signed, CN test.example), a CA, a client certificate it signed (CN client.example),
/// and a self-signed client certificate nobody trusts (CN mallory).
struct TLSFiles {
    let directory: URL
    var serverCert: String { path("server.crt") }
    var serverKey: String { path("server.key") }
    var caCert: String { path("ca.crt") }
    var clientCert: String { path("client.crt") }
    var clientKey: String { path("client.key") }
    var strangerCert: String { path("stranger.crt") }
    var strangerKey: String { path("stranger.key") }

    /// Makes the files in `directory/tls`: the server's key is RSA 2048 (what sites use), the
    /// others are P-256 (quick to make).
    init(in directory: URL) throws {
        self.directory = directory.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let quickKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test.example", "-days", "1",
                 "-keyout", serverKey, "-out", serverCert])
        try run(["req", "-x509"] + quickKey + ["-subj", "/CN=Test CA", "-days", "1", "-keyout", path("ca.key"), "-out", caCert])
        try run(["req"] + quickKey + ["-subj", "/CN=client.example", "-keyout", clientKey, "-out", path("client.csr")])
        try run(["x509", "-req", "-in", path("client.csr"), "-CA", caCert, "-CAkey", path("ca.key"), "-CAcreateserial",
                 "-days", "1", "-out", clientCert])
        try run(["req", "-x509"] + quickKey + ["-subj", "/CN=mallory", "-days", "1", "-keyout", strangerKey, "-out", strangerCert])
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// imapd.conf lines that turn STARTTLS on (and accept client certificates from the CA).
    func imapdLines(clientCA: Bool = true) -> [String] {
        ["tls_server_cert: \(serverCert)", "tls_server_key: \(serverKey)"]
            + (clientCA ? ["tls_client_ca_file: \(caCert)"] : [])
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}
