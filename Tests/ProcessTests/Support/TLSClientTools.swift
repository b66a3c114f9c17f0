import Foundation

/// The real TLS clients of the acceptance runs: `openssl s_client -starttls lmtp` and
/// `swaks --tls`, run as processes against 127.0.0.1.
enum TLSClientTools {
    /// Runs `openssl s_client -starttls lmtp -quiet -crlf` (which sends LHLO and STARTTLS by
    /// itself), writes `lines` (LF-terminated; s_client adds the CR) after the handshake and
    /// returns everything it printed once the server closed the connection (its standard error
    /// after a separator line).
    static func sClient(port: UInt16, lines: [String], certificate: String? = nil, key: String? = nil,
                        timeout: Double = 20) throws -> String {
        var arguments = ["s_client", "-starttls", "lmtp", "-connect", "127.0.0.1:\(port)", "-quiet", "-crlf",
                         "-name", "sclient.example"]
        if let certificate, let key { arguments += ["-cert", certificate, "-key", key] }
        let client = try ChildProcess(path: "/usr/bin/openssl", arguments: arguments)
        client.send(lines.map { $0 + "\n" }.joined())
        let output = client.readAll(timeout: timeout)
        let errors = client.readError(timeout: 0.5)
        client.kill(SIGKILL)
        client.wait(timeout: 5)
        // Diagnostics last (s_client's stderr: verify notes, or why it could not connect).
        return output + "\n--- s_client stderr ---\n" + errors
    }

    /// Runs `swaks --protocol LMTP --tls` delivering one message to `to`; returns its exit
    /// status and transcript.
    static func swaks(port: UInt16, to: String, subject: String, certificate: String? = nil, key: String? = nil,
                      extra: [String] = [], timeout: Double = 20) throws -> (status: Int32, transcript: String) {
        var arguments = ["--protocol", "LMTP", "--server", "127.0.0.1:\(port)", "--tls", "--to", to,
                         "--from", "swaks@example.org", "--header", "Subject: \(subject)", "--timeout", "15"]
        if let certificate, let key { arguments += ["--tls-cert", certificate, "--tls-key", key] }
        let client = try ChildProcess(path: "/usr/bin/swaks", arguments: arguments + extra)
        client.closeInput()
        let transcript = client.readAll(timeout: timeout)
        return (client.wait(timeout: 5), transcript)
    }

    /// The commands of one delivery after STARTTLS (s_client style: LHLO again, then a message).
    static func delivery(to user: String, subject: String) -> [String] {
        ["LHLO sclient.example", "MAIL FROM:<sclient@example.org>", "RCPT TO:<\(user)>", "DATA",
         "Subject: \(subject)", "", "sent over TLS", ".", "QUIT"]
    }
}
