import Testing
@testable import ConfParse

private func service(_ keys: String, mode: CyrusConf.Mode = .strict) -> Result<CyrusConf, ConfigError> {
    cyrusResult("SERVICES {\n  a cmd=lmtpd listen=/run/a \(keys)\n}\n", mode: mode)
}

@Suite("cyrus.conf: keys and values")
struct CyrusConfValueTests {
    @Test("defaults of a SERVICES entry")
    func defaults() throws {
        let s = try #require(try service("").get().services.first)
        #expect(s.proto == .tcp && s.prefork == 0 && s.maxchild == -1 && s.isUnlimited)
        #expect(!s.babysit && s.maxforkrate == 0 && s.maxfds == 0)
        #expect(s.listenAddress == .unix(path: "/run/a"))
    }

    @Test("every key of a SERVICES entry")
    func allKeys() throws {
        let s = try #require(try service("proto=udp6 prefork=2 maxchild=10 babysit=true maxforkrate=5 maxfds=256").get().services.first)
        #expect(s.proto == .udp6 && s.proto.isDatagram)
        #expect(s.prefork == 2 && s.maxchild == 10 && s.babysit && s.maxforkrate == 5 && s.maxfds == 256)
        #expect(s.arguments.map(\.key) == ["cmd", "listen", "proto", "prefork", "maxchild", "babysit", "maxforkrate", "maxfds"])
    }

    struct IntCase: Sendable, CustomTestStringConvertible {
        let keys: String
        let cyrusPrefork: Int
        let cyrusMaxchild: Int
        var testDescription: String { keys }
    }

    @Test("non-integers are errors; compatible mode reads them as Cyrus does", arguments: [
        IntCase(keys: "prefork=5x", cyrusPrefork: 5, cyrusMaxchild: -1),
        IntCase(keys: "prefork=abc", cyrusPrefork: 0, cyrusMaxchild: -1),
        IntCase(keys: "prefork=+3", cyrusPrefork: 0, cyrusMaxchild: -1),
        IntCase(keys: "prefork=", cyrusPrefork: 0, cyrusMaxchild: -1),
        IntCase(keys: "maxchild=10x", cyrusPrefork: 0, cyrusMaxchild: 10),
        IntCase(keys: "maxchild=+7", cyrusPrefork: 0, cyrusMaxchild: 7),
        IntCase(keys: "maxchild=lots", cyrusPrefork: 0, cyrusMaxchild: 0),
        IntCase(keys: "maxchild=99999999999", cyrusPrefork: 0, cyrusMaxchild: Int(Int32.max)),
    ])
    func nonIntegers(_ c: IntCase) throws {
        guard case .failure(let error) = service(c.keys) else {
            Issue.record("\(c.keys) accepted")
            return
        }
        #expect(error.diagnostics.map(\.line) == [2])
        let s = try #require(try service(c.keys, mode: .cyrusCompatible).get().services.first)
        #expect(s.prefork == c.cyrusPrefork)
        #expect(s.maxchild == c.cyrusMaxchild)
    }

    @Test("odd but valid integers warn: maxchild=0, negative prefork")
    func oddIntegers() throws {
        let zero = try service("maxchild=0").get()
        #expect(zero.services.first?.maxchild == 0)
        #expect(zero.warnings.first?.message.contains("never gets a child") == true)
        let negative = try service("prefork=-2 maxchild=-5").get()
        #expect(negative.services.first?.maxchild == -5)
        #expect(negative.warnings.count == 1)
    }

    @Test("switch spellings Cyrus accepts", arguments: [
        ("1", true), ("y", true), ("yes", true), ("t", true), ("true", true), ("on", true),
        ("0", false), ("n", false), ("no", false), ("f", false), ("false", false), ("off", false),
    ])
    func switches(_ text: String, _ value: Bool) throws {
        let conf = try service("babysit=\(text)").get()
        #expect(conf.services.first?.babysit == value)
        #expect(conf.warnings.isEmpty)
    }

    @Test("unusual switch words are read by their first letters, with a warning")
    func unusualSwitches() throws {
        let conf = try service("babysit=tasty").get()
        #expect(conf.services.first?.babysit == true)
        #expect(conf.warnings.count == 1)
        let daemon = try CyrusConf.parse("DAEMON {\n  d cmd=x wait=nope\n}\n", path: "t.conf")
        #expect(daemon.daemons.first?.wait == false)
    }

    @Test("values that are not switches are errors; compatible mode uses the default", arguments: ["2", "Y", "oops", "o", "ON"])
    func notSwitches(_ text: String) throws {
        #expect(throws: ConfigError.self) { try service("babysit=\(text)").get() }
        let conf = try service("babysit=\(text)", mode: .cyrusCompatible).get()
        #expect(conf.services.first?.babysit == false)
        #expect(conf.warnings.count == 1)
    }

    @Test("at= must be a valid HHMM", arguments: ["2400", "0460", "-5", "abc"])
    func badAt(_ text: String) throws {
        #expect(!cyrusErrors("EVENTS {\n  e cmd=x at=\(text)\n}\n").isEmpty)
        let conf = try CyrusConf.parse("EVENTS {\n  e cmd=x at=\(text)\n}\n", path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.events.count == 1)
        #expect(!conf.warnings.isEmpty)
    }

    @Test("at= overrides period= (warned)")
    func atAndPeriod() throws {
        let conf = try CyrusConf.parse("EVENTS {\n  e cmd=x period=10 at=0130\n}\n", path: "t.conf")
        #expect(conf.events.first?.at == TimeOfDay(hhmm: 130))
        #expect(conf.events.first?.at?.hour == 1 && conf.events.first?.at?.minute == 30)
        #expect(conf.warnings.first?.message.contains("period is ignored") == true)
    }

    @Test("unknown keys warn (with a hint for wrong case); the first of repeated keys wins")
    func unknownAndRepeatedKeys() throws {
        let conf = try service("CMD=other listen=/run/b colour=blue").get()
        #expect(conf.services.first?.listen == "/run/a")
        #expect(conf.services.first?.cmd == "lmtpd")
        let messages = conf.warnings.map(\.message)
        #expect(messages.count == 3)
        #expect(messages.contains { $0.contains("unknown key \"CMD\" is ignored (keys are case-sensitive: write cmd)") })
        #expect(messages.contains { $0.contains("listen is given more than once") })
        #expect(messages.contains { $0.contains("unknown key \"colour\"") })
    }

    @Test("invalid listen and proto: error naming the line; compatible mode drops the service as Cyrus does", arguments: [
        "listen=host:", "listen=[::1", "listen=[::1]x", "listen=:25", "listen=70000", "proto=sctp",
        "listen=/" + String(repeating: "s", count: 110),
    ])
    func invalidListen(_ keys: String) throws {
        let text = "SERVICES {\n  a cmd=lmtpd \(keys) listen=/run/default\n}\n"
        let errors = cyrusErrors(text)
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("invalid") == true)
        let conf = try CyrusConf.parse(text, path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.isEmpty)
        #expect(conf.warnings.contains { $0.line == 2 && $0.message.contains("Cyrus disables this service") })
    }
}

@Suite("listen= addresses")
struct ListenAddressTests {
    @Test("valid forms", arguments: [
        ("/run/cyrus/socket/lmtp", ListenAddress.unix(path: "/run/cyrus/socket/lmtp")),
        ("lmtp", .wildcard(port: "lmtp")),
        ("2003", .wildcard(port: "2003")),
        ("127.0.0.1:2003", .host("127.0.0.1", port: "2003")),
        ("localhost:lmtp", .host("localhost", port: "lmtp")),
        ("[::1]:2003", .bracketed("::1", port: "2003")),
        ("[::]", .bracketed("::", port: nil)),
        ("::1:2003", .host("::1", port: "2003")),
    ])
    func valid(_ text: String, _ expected: ListenAddress) throws {
        let address = try ListenAddress.parse(text)
        #expect(address == expected)
        #expect(address.description == text)
        #expect(address.isUnix == text.hasPrefix("/"))
    }

    @Test("invalid forms", arguments: [
        ("", "listen is empty"), ("host:", "empty port"), ("[::1", "missing ]"), ("[::1]x", "unexpected text after ]"),
        ("[]:25", "empty address"), (":25", "empty host"), ("99999", "out of range"), ("a b", "invalid port"),
        ("[::1]:", "empty port"),
    ])
    func invalid(_ text: String, _ reason: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress.parse(text) }
        do {
            _ = try ListenAddress.parse(text)
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test("unix paths: 107 bytes fit in sun_path, 108 do not")
    func unixLength() throws {
        let ok = "/" + String(repeating: "a", count: 106)
        #expect(try ListenAddress.parse(ok) == .unix(path: ok))
        #expect(throws: ListenAddressError.self) { try ListenAddress.parse(ok + "b") }
    }
}
