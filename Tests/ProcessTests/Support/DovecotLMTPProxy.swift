import Foundation
import Glibc

/// A private Dovecot 2.3 LMTP server on 127.0.0.1 run as a pure LMTP proxy (`lmtp_proxy = yes`):
/// a static passdb sends every recipient to one backend, `proxy=y host=127.0.0.1 port=<backend>
/// nopassword=y`. Debian's dovecot-core master with the `lmtp` program of dovecot-lmtpd, which
/// `scripts/setup-dovecot-imapd` unpacks privately. Dovecot's lib-smtp client writes the
/// backend connection's traffic to `lmtp_proxy_rawlog_dir` (one `<time>.<pid>.<n>.out`/`.in`
/// pair per backend connection) so a test can see what crossed the wire. Dovecot runs in the
/// foreground as our child and is stopped by its PID.
final class DovecotLMTPProxy {
    static let dovecot = DovecotInstance.dovecot
    /// Where `scripts/setup-dovecot-imapd` unpacks dovecot-lmtpd (`DOVECOT_LMTPD_ROOT` overrides).
    static var lmtpdRoot: String {
        ProcessInfo.processInfo.environment["DOVECOT_LMTPD_ROOT"] ?? "/var/cache/cyrusdelivery/dovecot-lmtpd"
    }
    static var lmtpProgram: String { lmtpdRoot + DovecotConfig.corePrograms + "/lmtp" }

    /// Throws `DovecotInstance.NotInstalled` unless dovecot-core and the unpacked lmtp are there.
    static func checkInstalled() throws {
        for path in [dovecot, lmtpProgram] where access(path, X_OK) != 0 {
            throw DovecotInstance.NotInstalled(missing: path)
        }
    }

    let config: DovecotLMTPProxyConfig
    /// Dovecot's LMTP port on 127.0.0.1.
    var port: UInt16 { config.port }
    var rawlogDirectory: URL { config.rawlogDirectory }
    private let master: DovecotProcess

    /// Writes the configuration under `directory` (created; keep it root's), starts Dovecot and
    /// waits (at most `timeout` seconds) until it greets on its port. With no `backendPort`
    /// Dovecot's LMTP delivers itself, into `<directory>/home/<user>/Maildir` (see
    /// ``DovecotLMTPProxyConfig/maildir(of:)``), as Debian's `mail` user.
    init(directory: URL, backendPort: UInt16?, timeout: Double = 20) throws {
        try Self.checkInstalled()
        config = DovecotLMTPProxyConfig(directory: directory, port: try freeTCPPort(), backendPort: backendPort,
                                        lmtpProgram: Self.lmtpProgram)
        try FileManager.default.createDirectory(at: config.rawlogDirectory, withIntermediateDirectories: true)
        try config.text.write(to: config.configFile, atomically: true, encoding: .utf8)
        master = try DovecotProcess(path: Self.dovecot, arguments: ["-F", "-c", config.configFile.path],
                                    output: config.outputFile)
        do {
            try waitUntilReady(timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// Stops Dovecot by its PID (SIGTERM, then SIGKILL after 10 s) and reaps it. Idempotent.
    func stop() {
        master.stop()
    }

    /// Dovecot's log so far.
    var log: String { DovecotLog.text(of: config.logFile) }

    /// Log lines that report errors (`Error:`, `Panic:`, `Fatal:`).
    var problems: [String] { DovecotLog.problems(in: log) }

    /// What Dovecot sent to the backend, one transcript per backend connection, oldest first.
    func backendTraffic() -> [ProxiedLMTPTraffic] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: rawlogDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".out") }.sorted().compactMap { name in
            let out = rawlogDirectory.appendingPathComponent(name)
            let inPath = rawlogDirectory.appendingPathComponent(String(name.dropLast(4)) + ".in")
            guard let sent = FileManager.default.contents(atPath: out.path) else { return nil }
            let received = FileManager.default.contents(atPath: inPath.path) ?? Data()
            return ProxiedLMTPTraffic(sent: rawlogPayload([UInt8](sent)), received: rawlogPayload([UInt8](received)))
        }
    }

    /// Waits until the backend traffic holds `connections` transcripts, each with its last chunk
    /// sent (`BDAT n LAST`, or the end of DATA) and a QUIT after it.
    func waitForBackendTraffic(connections: Int = 1, timeout: Double = 10) -> [ProxiedLMTPTraffic] {
        var traffic: [ProxiedLMTPTraffic] = []
        _ = waitUntil(timeout: timeout) {
            traffic = backendTraffic()
            return traffic.count >= connections && traffic.allSatisfy { $0.commands.last == "QUIT" }
        }
        return traffic
    }

    /// One LMTP session with the proxy: LHLO, then per message MAIL, RCPT..., DATA (waiting
    /// for 354), the dot-stuffed CRLF body, one reply per accepted recipient; then QUIT. Returns
    /// every reply's final line after the greeting.
    func send(_ messages: [LMTPMessage], timeout: Double = 30) throws -> [String] {
        let socket = try SocketConnection(.tcp(port: port))
        defer { socket.close() }
        var replies: [String] = []
        func command(_ line: String) throws -> String {
            try socket.send(line + "\r\n")
            let reply = try socket.readReply(timeout: timeout)
            replies.append(reply)
            return reply
        }
        _ = try socket.readReply(timeout: timeout)
        _ = try command("LHLO tester.example")
        for message in messages {
            _ = try command("MAIL FROM:<\(message.sender)>\(message.eightBit ? " BODY=8BITMIME" : "")")
            var accepted = 0
            for recipient in message.recipients where try command("RCPT TO:<\(recipient)>").hasPrefix("250") {
                accepted += 1
            }
            guard accepted > 0, try command("DATA").hasPrefix("354") else {
                _ = try command("RSET")
                continue
            }
            try socket.sendBytes(dotStuffed(crlfLines(message.body)) + Array(".\r\n".utf8))
            for _ in 0..<accepted { replies.append(try socket.readReply(timeout: timeout)) }
        }
        _ = try? command("QUIT")
        return replies
    }

    /// Polls the port until the LMTP greeting arrives; fails early if Dovecot exits.
    private func waitUntilReady(timeout: Double) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if master.hasExited {
                let output = (try? String(contentsOf: config.outputFile, encoding: .utf8)) ?? ""
                throw DovecotInstance.StartFailure(description: "dovecot exited at start: \(output) \(log)")
            }
            if let socket = try? SocketConnection(.tcp(port: port)) {
                let greeting = try? socket.readReply(timeout: 2)
                try? socket.send("QUIT\r\n")
                socket.close()
                if greeting?.hasPrefix("220") == true { return }
            }
            usleep(50_000)
        }
        throw DovecotInstance.StartFailure(description: "dovecot's lmtp did not answer on 127.0.0.1:\(port) within \(timeout) s: \(log)")
    }
}

/// The `dovecot.conf` of `DovecotLMTPProxy`: its own run, state and log paths under one folder,
/// LMTP only on 127.0.0.1, no TLS, every recipient proxied to `backendPort`. With
/// `lmtp_add_received_header = no` the proxy forwards the client's message bytes unchanged, so
/// what reaches the backend can be compared byte for byte.
struct DovecotLMTPProxyConfig {
    var directory: URL
    var port: UInt16
    var backendPort: UInt16?
    /// The unpacked dovecot-lmtpd's `usr/lib/dovecot/lmtp`.
    var lmtpProgram: String

    var rawlogDirectory: URL { directory.appendingPathComponent("rawlog") }
    var logFile: URL { directory.appendingPathComponent("dovecot.log") }
    var configFile: URL { directory.appendingPathComponent("dovecot.conf") }
    /// Dovecot's standard output and error.
    var outputFile: URL { directory.appendingPathComponent("dovecot.out") }

    /// The Maildir Dovecot's own delivery puts `user`'s mail in.
    func maildir(of user: String) -> URL {
        directory.appendingPathComponent("home/\(user)/Maildir")
    }

    /// Every recipient proxied to `port`, the message bytes unchanged.
    private func proxy(_ port: UInt16) -> String {
        """
        lmtp_proxy = yes
        lmtp_proxy_rawlog_dir = \(rawlogDirectory.path)
        lmtp_add_received_header = no
        passdb {
          driver = static
          args = proxy=y host=127.0.0.1 port=\(port) nopassword=y
        }
        userdb {
          driver = static
          args = uid=mail gid=mail home=\(directory.appendingPathComponent("home").path)
        }
        """
    }

    /// Final delivery into each user's Maildir under `home/`.
    private var delivery: String {
        """
        mail_location = maildir:~/Maildir
        first_valid_uid = 1
        first_valid_gid = 1
        passdb {
          driver = static
          args = nopassword=y
        }
        userdb {
          driver = static
          args = uid=mail gid=mail home=\(directory.appendingPathComponent("home").path)/%n
        }
        """
    }

    var text: String {
        """
        base_dir = \(directory.appendingPathComponent("run").path)
        state_dir = \(directory.appendingPathComponent("state").path)
        log_path = \(logFile.path)
        protocols = lmtp
        listen = 127.0.0.1
        ssl = no
        \(backendPort.map { proxy($0) } ?? delivery)
        service lmtp {
          executable = \(lmtpProgram)
          inet_listener lmtp {
            address = 127.0.0.1
            port = \(port)
          }
        }

        """
    }
}

/// One backend connection as Dovecot's rawlog recorded it: the bytes it sent (`.out`) parsed
/// as an LMTP client stream (command lines; a BDAT command's chunk of exactly its size follows
/// it; DATA's content up to the lone dot), and the reply lines it received (`.in`).
struct ProxiedLMTPTraffic {
    struct Chunk {
        var size: Int
        var last: Bool
        var bytes: [UInt8]
    }

    /// Every command line (without CRLF), BDAT and DATA included, in order.
    var commands: [String] = []
    var chunks: [Chunk] = []
    /// DATA's content (still dot-stuffed), when DATA was used.
    var dataContent: [UInt8]?
    /// The reply lines from the backend.
    var replies: [String]

    init(sent: [UInt8], received: [UInt8]) {
        replies = received.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines) }
        var index = 0
        func line() -> [UInt8]? {
            guard index < sent.count, let lf = sent[index...].firstIndex(of: 0x0A) else { return nil }
            let bytes = Array(sent[index..<lf])
            index = lf + 1
            return bytes.last == 0x0D ? bytes.dropLast() : bytes
        }
        while let bytes = line() {
            let text = String(decoding: bytes, as: UTF8.self)
            commands.append(text)
            let words = text.split(separator: " ")
            if words.first?.uppercased() == "BDAT", words.count >= 2, let size = Int(words[1]) {
                let end = min(index + size, sent.count)
                chunks.append(Chunk(size: size, last: words.count > 2 && words[2].uppercased() == "LAST",
                                    bytes: Array(sent[index..<end])))
                index = end
            } else if text.uppercased() == "DATA" {
                var content: [UInt8] = []
                while let contentLine = line(), contentLine != [UInt8(ascii: ".")] {
                    content += contentLine + [0x0D, 0x0A]
                }
                dataContent = content
            }
        }
    }

    /// The chunks' bytes joined: the message as the backend received it.
    var chunkedMessage: [UInt8] { chunks.flatMap(\.bytes) }
}

/// The traffic inside a Dovecot rawlog file: each record is `<seconds>.<microseconds> ` (2.3 may
/// add `I: `/`O: `/`I> `/`O> `) and then the bytes up to a line end, so with lines shorter than
/// rawlog's 8 KiB record limit, stripping that prefix from every line gives the exact bytes.
func rawlogPayload(_ file: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(file.count)
    for line in file.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast(file.last == 0x0A ? 1 : 0) {
        var rest = line[...]
        let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if !digits.isEmpty, rest.dropFirst(digits.count).first == UInt8(ascii: ".") {
            let afterDot = rest.dropFirst(digits.count + 1)
            let micro = afterDot.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            if micro.count == 6, afterDot.dropFirst(6).first == UInt8(ascii: " ") {
                rest = afterDot.dropFirst(7)
                if rest.count >= 3, [UInt8(ascii: "I"), UInt8(ascii: "O")].contains(rest[rest.startIndex]),
                   [UInt8(ascii: ":"), UInt8(ascii: ">")].contains(rest[rest.startIndex + 1]),
                   rest[rest.startIndex + 2] == UInt8(ascii: " ") {
                    rest = rest.dropFirst(3)
                }
            }
        }
        out += rest
        out.append(0x0A)
    }
    if file.last != 0x0A, !out.isEmpty { out.removeLast() }
    return out
}

/// Bytes with every line ending (LF or CRLF) made CRLF; a last line without one gets one.
func crlfLines(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 32)
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    for var line in lines {
        if line.last == 0x0D { line = line.dropLast() }
        out += line
        out += [0x0D, 0x0A]
    }
    return out
}

/// CRLF lines with a dot doubled at the start of each line (RFC 5321 4.5.2).
func dotStuffed(_ crlf: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(crlf.count + 64)
    var atLineStart = true
    for byte in crlf {
        if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
        out.append(byte)
        atLineStart = byte == 0x0A
    }
    return out
}

extension SocketConnection {
    /// Writes all of `bytes`.
    func sendBytes(_ bytes: [UInt8]) throws {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            rest = rest.dropFirst(n)
        }
    }
}
