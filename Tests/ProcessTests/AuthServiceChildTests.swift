import Foundation
import Glibc
import Testing

/// LMTP AUTH with the real lmtpd as a service child on a TCP socket without `-a`, a private
/// sasldb made by `saslpasswd2`, and real clients: swaks and Python's smtplib.
@Suite("AUTH: lmtpd on TCP without -a, real clients", .serialized)
struct AuthServiceChildTests {
    /// One child on a TCP listener without `-a` (it serves the test's connections in turn).
    final class Setup {
        let auth: AuthTestbed
        let master: FakeMaster
        let child: ServiceProcess

        init(_ label: String, config: [String] = ["allowplaintext: yes", "failedloginpause: 1"], arguments: [String] = []) throws {
            auth = try AuthTestbed(label, config: config)
            master = try FakeMaster(auth.bed, listener: .tcp)
            child = try master.spawn(arguments, service: "lmtp")
        }

        var port: UInt16 { master.port }

        deinit {
            child.kill(SIGTERM)
            _ = child.wait()
        }
    }

    @Test("SASL plugins are loaded by a child serving internet clients, not by one whose clients are all pre-authorized (-a, unix socket)")
    func pluginsOnlyWhereNeeded() throws {
        /// The shared objects `pid` has mapped.
        func mapped(_ pid: pid_t) throws -> String { try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8) }
        /// One session's LHLO reply from a fresh child.
        func lhlo(_ master: FakeMaster) throws -> [String] {
            let client = try master.connect()
            #expect(client.reply().hasPrefix("220 "))
            client.send("LHLO me\r\n")
            defer { client.send("QUIT\r\n") }
            return client.readReply()
        }

        let internet = try Setup("plugins-tcp")
        #expect(try lhlo(internet.master).contains { $0.hasPrefix("250-AUTH ") && $0.contains("PLAIN") })
        #expect(try mapped(internet.child.pid).contains("/sasl2/"), "PLAIN needs libsasl2's plugins")

        let trusted = try Setup("plugins-a", arguments: ["-a"])
        #expect(try lhlo(trusted.master).contains("250-AUTH EXTERNAL"))
        let unix = try AuthTestbed("plugins-unix", config: ["allowplaintext: yes"])
        let unixMaster = try FakeMaster(unix.bed, listener: .unix)
        let unixChild = try unixMaster.spawn([], service: "lmtpunix")
        defer {
            unixChild.kill(SIGTERM)
            _ = unixChild.wait()
        }
        #expect(try lhlo(unixMaster).contains("250-AUTH EXTERNAL"))
        for pid in [trusted.child.pid, unixChild.pid] {
            let maps = try mapped(pid)
            #expect(!maps.contains("/sasl2/"), "only EXTERNAL, built into libsasl2, is offered")
            #expect(!maps.contains("libcrypto") && !maps.contains("libssl"), "no TLS configured, no plugin pulling libcrypto in")
        }
    }

    @Test("MAIL before AUTH: 430 (530 with soft_noauth: no); LHLO lists the configured mechanisms")
    func mailNeedsAuth() throws {
        for soft in [true, false] {
            let setup = try Setup("gate-\(soft)", config: [
                "allowplaintext: yes", "soft_noauth: \(soft ? "yes" : "no")",
                "sasl_mech_list: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256",
            ])
            let client = try setup.master.connect()
            #expect(client.reply().hasPrefix("220 "))
            client.send("LHLO me\r\n")
            let lhlo = client.readReply()
            #expect(lhlo.contains("250-AUTH SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN")
                    || lhlo.contains { $0.hasPrefix("250-AUTH ") && Set($0.split(separator: " ").dropFirst()) == ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"] })
            client.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\n")
            #expect(client.reply() == (soft ? "430 Authentication required" : "530 Authentication required"))
            #expect(client.reply() == "503 5.5.1 Need MAIL command")
            client.send("QUIT\r\n")
            #expect(client.reply() == "221 2.0.0 bye")
            #expect(setup.auth.bed.messages("alice").isEmpty)
        }
    }

    @Test("swaks delivers with PLAIN, LOGIN and CRAM-MD5; Received says LMTPA")
    func swaksMechanisms() throws {
        let setup = try Setup("swaks")
        for mechanism in ["PLAIN", "LOGIN", "CRAM-MD5"] {
            let run = try AuthClients.swaks(.tcp(setup.port), auth: (mechanism, "alice", "secret"), subject: "via \(mechanism)")
            #expect(run.status == 0, "\(mechanism): \(run.output)")
            #expect(run.output.contains("235 Authenticated!"))
        }
        let texts = setup.auth.texts("alice")
        #expect(texts.count == 3)
        for mechanism in ["PLAIN", "LOGIN", "CRAM-MD5"] {
            #expect(texts.contains { $0.contains("Subject: via \(mechanism)\n") })
        }
        #expect(texts.allSatisfy { $0.contains(" with LMTPA id ") && $0.contains("Received: from swaks.example (localhost [127.0.0.1])") })
    }

    @Test("a wrong password gets 535 5.7.8 after a pause, and nothing is delivered")
    func wrongPassword() throws {
        let setup = try Setup("wrong")
        let started = Date()
        let run = try AuthClients.swaks(.tcp(setup.port), auth: ("PLAIN", "alice", "guess"), subject: "never")
        #expect(run.status != 0)
        #expect(run.output.contains("535 5.7.8 Authentication credentials invalid"))
        #expect(Date().timeIntervalSince(started) >= 0.9)
        let unknown = try AuthClients.swaks(.tcp(setup.port), auth: ("CRAM-MD5", "mallory", "x"), subject: "never")
        #expect(unknown.output.contains("535 5.7.8 Authentication credentials invalid"))
        #expect(setup.auth.bed.messages("alice").isEmpty)
        #expect(setup.child.log.contains("badlogin: localhost [127.0.0.1] PLAIN"))
    }

    @Test("Python smtplib.LMTP: SCRAM-SHA-256, login() and a refused password")
    func pythonSmtplib() throws {
        let setup = try Setup("python")
        let scram = try AuthClients.python(port: setup.port, mechanism: "SCRAM-SHA-256", user: "bob", password: "hunter2", subject: "scram")
        #expect(scram.output.contains("AUTH 235 Authenticated!") && scram.output.contains("REFUSED {}"), "\(scram.output)")
        let login = try AuthClients.python(port: setup.port, mechanism: "login", user: "alice", password: "secret", subject: "login")
        #expect(login.output.contains("AUTH 235 Authenticated!") && login.output.contains("REFUSED {}"), "\(login.output)")
        let refused = try AuthClients.python(port: setup.port, mechanism: "PLAIN", user: "alice", password: "nope", subject: "x")
        #expect(refused.status == 3 && refused.output.contains("AUTH 535 5.7.8 Authentication credentials invalid"), "\(refused.output)")
        #expect(setup.auth.texts("alice").map { $0.contains("Subject: scram") || $0.contains("Subject: login") } == [true, true])
    }

    @Test("without allowplaintext PLAIN is neither offered nor accepted (538); CRAM-MD5 still works")
    func plaintextNeedsTLS() throws {
        let setup = try Setup("noplain", config: ["failedloginpause: 1"])
        let client = try setup.master.connect()
        _ = client.reply()
        client.send("LHLO me\r\n")
        let auth = client.readReply().first { $0.hasPrefix("250-AUTH ") } ?? ""
        #expect(!auth.contains(" PLAIN") && !auth.contains(" LOGIN") && auth.contains("CRAM-MD5"))
        client.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
        #expect(client.reply() == "538 5.7.11 Encryption required for requested authentication mechanism")
        client.send("QUIT\r\n")
        _ = client.reply()
        let cram = try AuthClients.swaks(.tcp(setup.port), auth: ("CRAM-MD5", "alice", "secret"), subject: "cram")
        #expect(cram.status == 0, "\(cram.output)")
    }

    @Test("-a: TCP clients are trusted, see only AUTH EXTERNAL, and deliver without AUTH")
    func preauthorized() throws {
        let setup = try Setup("preauth", arguments: ["-a"])
        let client = try setup.master.connect()
        _ = client.reply()
        client.send("LHLO me\r\n")
        #expect(client.readReply().filter { $0.hasPrefix("250-AUTH") } == ["250-AUTH EXTERNAL"])
        client.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH EXTERNAL =\r\nAUTH EXTERNAL =\r\n")
        #expect(client.reply() == "504 Unrecognized authentication type.")
        #expect(client.reply() == "235 Authenticated!")
        #expect(client.reply() == "503 5.5.0 already authenticated")
        client.close()
        let run = try AuthClients.swaks(.tcp(setup.port), auth: nil, subject: "trusted")
        #expect(run.status == 0, "\(run.output)")
        #expect(setup.auth.bed.messages("alice").count == 1)
    }
}
