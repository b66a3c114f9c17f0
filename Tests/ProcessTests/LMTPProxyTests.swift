import Foundation
import Glibc
import Synchronization
import Testing

/// lmtpproxyd between clients and several backends (each a minimaster running our lmtpd over
/// its own Maildirs): every user's mail on one backend only, the counts exact, both proxies
/// agreeing; a killed backend costs its recipients 4xx and nothing else; a backend that stops
/// answering costs them 451 after the timeout.
@Suite("lmtpproxyd: routing and relaying to backends")
struct LMTPProxyProcessTests {
    @Test("3 backends, 2 proxies: 10,000 messages to 1,000 users, each user's mail on one backend only, exactly")
    func routesEveryUserToOneBackend() throws {
        let users = (0..<1000).map { "user\($0)" }
        let bed = try ProxyTestbed("proxy-routes", backends: 3, proxies: 2, users: users)
        try bed.start()
        defer { bed.stop() }
        // Four clients, two on each proxy, 2,500 messages each: every user gets 10, half of
        // them through each proxy.
        let failures = Mutex<[String]>([])
        let ports = bed.proxyPorts
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            guard let client = try? ProxyClient(port: ports[worker % 2]) else {
                failures.withLock { $0.append("client \(worker): no connection") }
                return
            }
            for index in stride(from: worker, to: 10_000, by: 4) {
                let user = users[index % users.count]
                let answer = client.deliver(to: [user], messageID: "m\(index)@example.org")[0]
                if !answer.hasPrefix("250") { failures.withLock { $0.append("\(user): \(answer)") } }
            }
            client.quit()
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
        // An unknown user is refused by its backend, at RCPT, and the refusal comes through.
        let client = try ProxyClient(port: bed.proxyPorts[0])
        let unknown = client.deliver(to: ["nosuchuser", users[0]], messageID: "unknown@example.org")
        client.quit()
        #expect(unknown[0].hasPrefix("550 5.1.1") && unknown[1].hasPrefix("250"), "\(unknown)")
        var perBackend = [Int](repeating: 0, count: 3)
        for user in users {
            let holders = bed.holder(of: user)
            #expect(holders.count == 1 && holders.first?.count == (user == users[0] ? 11 : 10), "\(user): \(holders)")
            if let holder = holders.first { perBackend[holder.backend] += 1 }
        }
        #expect(perBackend.reduce(0, +) == 1000)
        #expect(perBackend.allSatisfy { $0 > 250 && $0 < 420 }, "users per backend: \(perBackend)")
    }

    @Test("a backend killed with SIGKILL: its recipients get 4xx, the others 250; after it is back the retry stores each message once")
    func killedBackend() throws {
        let users = (0..<30).map { "user\($0)" }
        let bed = try ProxyTestbed("proxy-kill", backends: 3, proxies: 1, users: users)
        try bed.start()
        defer { bed.stop() }
        let client = try ProxyClient(port: bed.proxyPorts[0])
        let first = client.deliver(to: users, messageID: "before@example.org")
        #expect(first.allSatisfy { $0.hasPrefix("250") }, "\(first)")
        // Which backend holds which users (each user's first message shows it).
        let home = Dictionary(uniqueKeysWithValues: users.map { ($0, bed.holder(of: $0).first?.backend ?? -1) })
        let victim = 1
        // Stopped first, minimaster cannot fork a replacement between the list and the kill.
        kill(bed.backends[victim].pid, SIGSTOP)
        for child in bed.backends[victim].children() { kill(child, SIGKILL) }
        kill(bed.backends[victim].pid, SIGKILL)
        _ = bed.backends[victim].waitExit(timeout: 10)

        let during = client.deliver(to: users, messageID: "during@example.org")
        var retry: [String] = []
        for (user, answer) in zip(users, during) {
            if home[user] == victim {
                #expect(answer.hasPrefix("451 4.4.1"), "\(user) on the killed backend: \(answer)")
                retry.append(user)
            } else {
                #expect(answer.hasPrefix("250"), "\(user): \(answer)")
            }
        }
        #expect(!retry.isEmpty)
        try bed.backends[victim].start()
        let again = client.deliver(to: retry, messageID: "during@example.org")
        #expect(again.allSatisfy { $0.hasPrefix("250") }, "\(again)")
        client.quit()
        for user in users {
            let holders = bed.holder(of: user)
            #expect(holders.count == 1 && holders.first?.count == 2, "\(user): \(holders)")
        }
    }

    @Test("a backend that stops answering: its recipients get 451 4.4.1 after proxy_timeout, the others are delivered")
    func silentBackend() throws {
        let users = (0..<12).map { "user\($0)" }
        let bed = try ProxyTestbed("proxy-silent", backends: 2, proxies: 1, users: users,
                                   proxyConfig: ["proxy_connect_timeout: 2", "proxy_timeout: 2"])
        try bed.start()
        defer {
            for pid in [bed.backends[0].pid] + bed.backends[0].children() { kill(pid, SIGCONT) }
            bed.stop()
        }
        let client = try ProxyClient(port: bed.proxyPorts[0])
        let first = client.deliver(to: users, messageID: "first@example.org")
        #expect(first.allSatisfy { $0.hasPrefix("250") }, "\(first)")
        let home = Dictionary(uniqueKeysWithValues: users.map { ($0, bed.holder(of: $0).first?.backend ?? -1) })
        #expect(Set(home.values) == [0, 1], "both backends hold users: \(home)")
        for pid in [bed.backends[0].pid] + bed.backends[0].children() { kill(pid, SIGSTOP) }
        let started = Date()
        let second = client.deliver(to: users, messageID: "second@example.org", timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        for (user, answer) in zip(users, second) {
            #expect(answer.hasPrefix(home[user] == 0 ? "451 4.4.1" : "250"), "\(user) (backend \(home[user] ?? -1)): \(answer)")
        }
        #expect(elapsed < 20, "bounded by the timeouts: \(elapsed) s")
        client.quit()
    }
}

/// `minimaster --check` asks lmtpproxyd about its own options.
@Suite("lmtpproxyd: minimaster --check")
struct LMTPProxyCheckTests {
    @Test("a malformed proxy_backends is reported with its file and line, and --check exits 78")
    func malformedBackends() throws {
        let h = try MasterHarness("proxy-check", users: [])
        try h.bed.appendConfig(["proxy_backends: a=/nowhere/sock b=host-without-port"])
        try h.writeConf(services: "  lmtp cmd=\"\(TestPaths.executable("lmtpproxyd")) -C \(h.imapdConf)\" listen=\"127.0.0.1:\(masterFreePort())\"")
        let child = try ChildProcess(path: TestPaths.executable("minimaster"), arguments: ["--check", "-M", h.cyrusConf, "-C", h.imapdConf])
        let output = child.readAll() + child.readError()
        #expect(child.wait() == 78, "\(output)")
        let lines = ((try? String(contentsOfFile: h.imapdConf, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        let line = (lines.firstIndex { $0.hasPrefix("proxy_backends:") } ?? -2) + 1
        #expect(output.contains("\(h.imapdConf):\(line): proxy_backends: \"b=host-without-port\""), "\(output)")
    }
}

/// Another LMTP server as a backend: Dovecot 2.3's own LMTP delivery.
@Suite("lmtpproxyd: Dovecot's LMTP as a backend")
struct LMTPProxyDovecotBackendTests {
    @Test("recipients routed to Dovecot are delivered by Dovecot (a dot-stuffed line intact), the others by our lmtpd")
    func dovecotBackend() throws {
        do { try DovecotLMTPProxy.checkInstalled() } catch {
            print("skipped: \(error)")
            return
        }
        let users = (0..<16).map { "user\($0)" }
        let ours = try MasterHarness("proxy-dv-ours", users: users)
        try ours.writeConf(services: "  lmtp cmd=\"\(ours.lmtpd())\" listen=\"\(ours.socket("lmtp"))\" prefork=1")
        // Its own folder: the testbeds' are handed to cyrus when their minimasters start.
        let directory = try TestPaths.scratchDirectory("proxy-dv-dovecot")
        defer { TestPaths.cleanUp(directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
        guard let mail = getpwnam("mail") else { throw HarnessError("no mail user") }
        chown(directory.appendingPathComponent("home").path, mail.pointee.pw_uid, mail.pointee.pw_gid)
        let dovecot = try DovecotLMTPProxy(directory: directory, backendPort: nil)
        defer { dovecot.stop() }
        let proxy = try MasterHarness("proxy-dv-proxy", users: [])
        let port = masterFreePort()
        try proxy.bed.appendConfig(["proxy_backends: ours=\(ours.socket("lmtp")) dv=127.0.0.1:\(dovecot.port)"])
        try proxy.writeConf(services: "  lmtp cmd=\"\(TestPaths.executable("lmtpproxyd")) -a -C \(proxy.imapdConf)\" listen=\"127.0.0.1:\(port)\" prefork=1")
        try ours.start()
        defer { _ = ours.stop() }
        try proxy.start()
        defer { _ = proxy.stop() }

        let client = try ProxyClient(port: port)
        let answers = client.deliver(to: users, messageID: "dv@example.org")
        client.quit()
        #expect(answers.allSatisfy { $0.hasPrefix("250") }, "\(answers)")
        var atDovecot = 0
        for user in users {
            let ourCount = ours.bed.files(user).count
            let dovecotNew = dovecot.config.maildir(of: user).appendingPathComponent("new").path
            let dovecotCount = ((try? FileManager.default.contentsOfDirectory(atPath: dovecotNew)) ?? []).count
            #expect(ourCount + dovecotCount == 1, "\(user): ours \(ourCount), Dovecot \(dovecotCount)")
            if dovecotCount == 1 {
                atDovecot += 1
                let name = (try? FileManager.default.contentsOfDirectory(atPath: dovecotNew))?.first ?? ""
                let text = (try? String(contentsOfFile: dovecotNew + "/" + name, encoding: .utf8)) ?? ""
                #expect(text.contains("\n.a line with a dot\n") || text.contains("\r\n.a line with a dot\r\n"),
                        "the dot-stuffed line arrives unstuffed: \(text)")
            }
        }
        #expect(atDovecot > 0 && atDovecot < users.count, "both backends got users (\(atDovecot) at Dovecot)")
        #expect(dovecot.problems.isEmpty, "\(dovecot.problems)")
    }
}
