import Foundation
import Glibc

/// Backends and proxies for lmtpproxyd's tests: each backend a private minimaster running our
/// lmtpd on a unix socket over its own Maildirs (the same users everywhere), each proxy a
/// private minimaster running lmtpproxyd on a loopback port with `proxy_backends` naming them.
final class ProxyTestbed {
    let backends: [MasterHarness]
    let backendNames: [String]
    let proxies: [MasterHarness]
    let proxyPorts: [Int]

    init(_ label: String, backends count: Int = 3, proxies proxyCount: Int = 1, users: [String],
         proxyConfig: [String] = []) throws {
        backendNames = (0..<count).map { "b\($0)" }
        backends = try backendNames.map { name in
            let h = try MasterHarness("\(label)-\(name)", users: users)
            try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
            return h
        }
        let list = zip(backendNames, backends).map { "\($0)=\($1.socket("lmtp"))" }.joined(separator: " ")
        var ports: [Int] = []
        proxies = try (0..<proxyCount).map { index in
            let h = try MasterHarness("\(label)-p\(index)", users: [])
            let port = masterFreePort()
            ports.append(port)
            try h.bed.appendConfig(["proxy_backends: \(list)"] + proxyConfig)
            try h.writeConf(services: "  lmtp cmd=\"\(TestPaths.executable("lmtpproxyd")) -a --log-to-stderr -C \(h.imapdConf)\" listen=\"127.0.0.1:\(port)\" prefork=1")
            return h
        }
        proxyPorts = ports
    }

    func start() throws {
        for backend in backends { try backend.start() }
        for proxy in proxies { try proxy.start() }
    }

    func stop() {
        for proxy in proxies { _ = proxy.stop() }
        for backend in backends { _ = backend.stop() }
    }

    /// The backend (index) holding `user`'s messages, and how many; nil when on none.
    func holder(of user: String) -> [(backend: Int, count: Int)] {
        backends.enumerated().compactMap { index, h in
            let count = h.bed.files(user).count
            return count > 0 ? (index, count) : nil
        }
    }
}

/// One LMTP connection to a proxy, sending whole transactions and collecting each recipient's
/// final answer (the RCPT refusal, or the reply after the message).
final class ProxyClient {
    let client: MasterClient

    init(port: Int) throws {
        guard case .success(let client) = MasterClient.connect(.inet("127.0.0.1", port)),
              client.readLine(timeout: 20)?.hasPrefix("220") == true else { throw HarnessError("no proxy greeting on \(port)") }
        self.client = client
        client.send("LHLO test.example\r\n")
        guard client.readReply(timeout: 20)?.split(separator: "\n").last?.hasPrefix("250") == true else { throw HarnessError("LHLO") }
    }

    /// Delivers one message to `recipients`; the final reply of each (one line: the last).
    func deliver(to recipients: [String], messageID: String, timeout: Double = 30) -> [String] {
        client.send("MAIL FROM:<sender@example.org>\r\n")
        guard client.readReply(timeout: timeout)?.hasPrefix("250") == true else { return recipients.map { _ in "MAIL refused" } }
        var answers = [String?](repeating: nil, count: recipients.count)
        var accepted: [Int] = []
        for (index, recipient) in recipients.enumerated() {
            client.send("RCPT TO:<\(recipient)>\r\n")
            let reply = client.readReply(timeout: timeout).map { String($0.split(separator: "\n").last ?? "") } ?? "no reply"
            if reply.hasPrefix("250") { accepted.append(index) } else { answers[index] = reply }
        }
        if accepted.isEmpty {
            client.send("RSET\r\n")
            _ = client.readReply(timeout: timeout)
        } else {
            client.send("DATA\r\n")
            _ = client.readReply(timeout: timeout)
            client.send("Message-ID: <\(messageID)>\r\nSubject: proxied\r\n\r\n..a line with a dot\r\nbody\r\n.\r\n")
            for index in accepted {
                answers[index] = client.readReply(timeout: timeout).map { String($0.split(separator: "\n").last ?? "") } ?? "no reply"
            }
        }
        return answers.map { $0 ?? "no answer" }
    }

    func quit() {
        client.send("QUIT\r\n")
        _ = client.readLine(timeout: 5)
    }
}
