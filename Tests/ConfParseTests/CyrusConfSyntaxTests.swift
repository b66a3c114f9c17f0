import Testing
@testable import ConfParse

/// Wraps entry lines into a SERVICES section (entries start on line 2).
private func services(_ lines: String...) -> String {
    "SERVICES {\n" + lines.joined(separator: "\n") + "\n}\n"
}

@Suite("cyrus.conf: lexical rules")
struct CyrusConfLexicalTests {
    struct ValueCase: Sendable, CustomTestStringConvertible {
        let line: String
        let cmd: String
        let listen: String
        var testDescription: String { line }
    }

    @Test("quoting and values", arguments: [
        ValueCase(line: #"a cmd="lmtpd -a" listen="/run/a""#, cmd: "lmtpd -a", listen: "/run/a"),
        ValueCase(line: #"a cmd="lmtpd"listen="/run/a""#, cmd: "lmtpd", listen: "/run/a"),
        ValueCase(line: "a cmd=lmtpd listen=2003", cmd: "lmtpd", listen: "2003"),
        ValueCase(line: #"a cmd=lmt"pd listen=x"#, cmd: #"lmt"pd"#, listen: "x"),
        ValueCase(line: "a cmd=x=y listen=1", cmd: "x=y", listen: "1"),
        ValueCase(line: #"a cmd="x {y}" listen=1"#, cmd: "x {y}", listen: "1"),
        ValueCase(line: "a\tcmd=\"x\"\t\tlisten=1\t", cmd: "x", listen: "1"),
        ValueCase(line: #"a cmd="x" listen=1   # a comment"#, cmd: "x", listen: "1"),
        ValueCase(line: "a cmd=\"x\" listen=1\r", cmd: "x", listen: "1"),
        ValueCase(line: "a cmd=\"é ü\" listen=1", cmd: "é ü", listen: "1"),
    ])
    func values(_ c: ValueCase) throws {
        let conf = try CyrusConf.parse(services(c.line), path: "t.conf")
        let s = try #require(conf.services.first)
        #expect(s.cmd == c.cmd)
        #expect(s.listen == c.listen)
        #expect(s.line == 2)
    }

    @Test("a # inside quotes starts a comment, leaving the quote open")
    func hashInsideQuotes() {
        let errors = cyrusErrors(services(#"a cmd="lmtpd #x" listen="/run/a""#))
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message == "SERVICES entry \"a\": missing closing \" in the value of cmd (a # starts a comment even inside quotes)")
    }

    @Test("CRLF line ends and tabs parse like LF")
    func crlf() throws {
        let text = "START {\r\n\trecover\tcmd=\"ctl_cyrusdb -r\"\r\n}\r\nSERVICES {\r\n  lmtp cmd=\"lmtpd\" listen=\"lmtp\"\r\n}\r\n"
        let conf = try CyrusConf.parse(text, path: "t.conf")
        #expect(conf.start.first?.argv == ["ctl_cyrusdb", "-r"])
        #expect(conf.services.first?.listen == "lmtp")
        #expect(conf.services.first?.line == 5)
        #expect(conf.warnings.isEmpty)
    }

    @Test("empty and comment-only files give an empty configuration", arguments: ["", "\n\n", "# only\n   # comments\n", "\r\n"])
    func emptyFiles(_ text: String) throws {
        let conf = try CyrusConf.parse(text, path: "t.conf")
        #expect(conf.start.isEmpty && conf.services.isEmpty && conf.events.isEmpty && conf.daemons.isEmpty)
        #expect(conf.warnings.isEmpty)
    }

    @Test("a line over 4095 bytes is an error naming it; 4095 bytes is fine")
    func longLines() throws {
        let ok = "a cmd=x listen=\"/" + String(repeating: "p", count: 50) + "\"" + String(repeating: " ", count: 4095 - 68)
        #expect(Array(ok.utf8).count == 4095)
        #expect(try CyrusConf.parse(services(ok), path: "t.conf").services.count == 1)
        let long = "# " + String(repeating: "x", count: 5000)
        let errors = cyrusErrors(services("a cmd=x listen=1", long))
        #expect(errors.map(\.line) == [3])
        #expect(errors.first?.message.contains("5002 bytes long; the limit is 4095") == true)
    }

    @Test("NUL bytes and invalid UTF-8 are errors with the line; in comments UTF-8 does not matter")
    func badBytes() throws {
        let nul: [UInt8] = Array("SERVICES {\n  a cmd=x\0y listen=1\n}\n".utf8)
        var errors: [ConfigDiagnostic] = []
        do { _ = try CyrusConf.parse(nul, path: "t.conf") } catch { errors = error.diagnostics }
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message == "line contains a NUL byte")

        let latin1: [UInt8] = Array("SERVICES {\n  a cmd=\"caf".utf8) + [0xE9] + Array("\" listen=1\n}\n".utf8)
        errors = []
        do { _ = try CyrusConf.parse(latin1, path: "t.conf") } catch { errors = error.diagnostics }
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("not valid UTF-8") == true)

        let inComment: [UInt8] = Array("# caf".utf8) + [0xE9, 0xFF] + Array("\nSERVICES {\n a cmd=x listen=1\n}\n".utf8)
        #expect(try CyrusConf.parse(inComment, path: "t.conf").services.count == 1)
    }

    @Test("names are letters and digits only", arguments: ["lmtp-unix", "lmtp_unix", "imap}", "cmd=x"])
    func badNames(_ name: String) {
        let errors = cyrusErrors(services("\(name) cmd=x listen=1"))
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("bad character") == true)
    }

    @Test("a bare word or a trailing } is not key=value", arguments: [
        ("a cmd=x listen=1 }", "}"), ("a cmd=x listen=1 oops", "oops"), ("a foo-bar=1", "foo-bar=1"), ("a =x y", "y"),
    ])
    func notKeyValue(_ line: String, _ found: String) {
        let errors = cyrusErrors(services(line))
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasSuffix("expected key=value (found \"\(found)\")") == true)
    }

    @Test("64 arguments are accepted, 65 are too many")
    func argumentLimit() throws {
        let extra = (0..<62).map { "k\($0)=v" }.joined(separator: " ")
        let conf = try CyrusConf.parse(services("a cmd=x listen=1 " + extra), path: "t.conf")
        #expect(conf.services.first?.arguments.count == 64)
        let errors = cyrusErrors(services("a cmd=x listen=1 " + extra + " k=v"))
        #expect(errors.first?.message.contains("too many arguments") == true)
    }

    @Test("an entry without a name: error, or Cyrus's empty name in compatible mode")
    func namelessEntry() throws {
        #expect(cyrusErrors(services(#"- cmd="x" listen="1""#)).map(\.line) == [2])
        let conf = try CyrusConf.parse(services(#"- cmd="x" listen="1""#), path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.map(\.name) == [""])
        #expect(conf.warnings.count == 1)
    }

    @Test("cmd is split on blanks without quoting; a blank cmd is an error")
    func commandSplitting() throws {
        let conf = try CyrusConf.parse(services("a cmd=\"  lmtpd   -C\t/etc/x.conf  \" listen=1"), path: "t.conf")
        #expect(conf.services.first?.argv == ["lmtpd", "-C", "/etc/x.conf"])
        #expect(cyrusErrors(services(#"a cmd="   " listen=1"#)).first?.message.contains("cmd contains no command") == true)
    }

    @Test("all errors of a file are reported, sorted by line")
    func collectsAllErrors() {
        let text = """
            SERVICES {
              a cmd="x" listen="1" maxchild=lots
              b listen="2"
              a cmd="y" listen="3"
              c-d cmd=x listen=4
            }
            EVENTS {
              e period=5
            }
            """
        let errors = cyrusErrors(text)
        #expect(errors.map(\.line) == [2, 3, 4, 5, 8])
        #expect(errors.allSatisfy { $0.file == "t.conf" && $0.severity == .error })
    }
}

@Suite("cyrus.conf: sections")
struct CyrusConfSectionTests {
    @Test("header spellings Cyrus recognises, with warnings for the odd ones", arguments: [
        ("SERVICES {", 0), ("SERVICES{", 0), ("Services {", 1), ("SERVICES_old {", 1), ("SERVICES-x {", 1), ("  SERVICES   {  ", 0),
    ])
    func recognisedHeaders(_ header: String, _ warnings: Int) throws {
        let conf = try CyrusConf.parse("\(header)\n  a cmd=x listen=1\n}\n", path: "t.conf")
        #expect(conf.services.map(\.name) == ["a"])
        #expect(conf.warnings.count == warnings)
    }

    @Test("headers Cyrus skips silently are errors (warnings in compatible mode, with Cyrus's result)", arguments: [
        "services {\n  a cmd=x listen=1\n}\n",
        "SERVICES\n{\n  a cmd=x listen=1\n}\n",
        "SERVICES { a cmd=x listen=1 }\n",
        "SERVICES {{\n  a cmd=x listen=1\n}\n",
    ])
    func skippedHeaders(_ text: String) throws {
        #expect(cyrusErrors(text).map(\.line) == [1])
        let conf = try CyrusConf.parse(text, path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.isEmpty)
        #expect(conf.warnings.first?.line == 1)
    }

    @Test("an entry on the header line is ignored by Cyrus: error, or warning and dropped")
    func entryOnHeaderLine() throws {
        let text = "SERVICES { a cmd=x listen=1\n  b cmd=y listen=2\n}\n"
        #expect(cyrusErrors(text).map(\.line) == [1])
        let conf = try CyrusConf.parse(text, path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.map(\.name) == ["b"])
    }

    @Test("only the first block of a section counts")
    func secondBlock() throws {
        let text = "Services {\n  a cmd=x listen=1\n}\nSERVICES {\n  b cmd=y listen=2\n}\n"
        let errors = cyrusErrors(text)
        #expect(errors.map(\.line) == [4])
        #expect(errors.first?.message.contains("second SERVICES section is ignored") == true)
        let conf = try CyrusConf.parse(text, path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.map(\.name) == ["a"])
    }

    @Test("unknown sections are skipped with a warning; text outside sections is an error")
    func unknownSections() throws {
        let conf = try CyrusConf.parse("FOO {\n  x y z\n}\nSERVICESX {\n}\nSERVICES {\n a cmd=x listen=1\n}\n", path: "t.conf")
        #expect(conf.services.map(\.name) == ["a"])
        #expect(conf.warnings.map(\.line) == [1, 4])
        #expect(cyrusErrors("lmtp cmd=x listen=1\nSERVICES {\n}\n").map(\.line) == [1])
    }

    @Test("an unbalanced brace inside a value hides later sections, as in Cyrus")
    func braceInValue() throws {
        let text = "SERVICES {\n  a cmd=\"x {\" listen=1\n}\nEVENTS {\n  e cmd=y\n}\n"
        let errors = cyrusErrors(text)
        #expect(errors.map(\.line) == [4])
        #expect(errors.first?.message.contains("section EVENTS is not recognised because of an unbalanced") == true)
        let conf = try CyrusConf.parse(text, path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.count == 1)
        #expect(conf.events.isEmpty)
        #expect(conf.warnings.map(\.line) == [2, 4])
    }

    @Test("a value ending in } does not close the section")
    func braceEndsValue() throws {
        let conf = try CyrusConf.parse("SERVICES {\n  a cmd=x listen=foo}\n  b cmd=y listen=2\n}\n", path: "t.conf", mode: .cyrusCompatible)
        #expect(conf.services.map(\.listen) == ["foo}", "2"])
    }

    @Test("text after a closing } is ignored with a warning")
    func textAfterClose() throws {
        let conf = try CyrusConf.parse("SERVICES {\n  a cmd=x listen=1\n} trailing\n", path: "t.conf")
        #expect(conf.services.count == 1)
        #expect(conf.warnings.map(\.line) == [3])
    }

    @Test("sections may come in any order; START, EVENTS and DAEMON are typed")
    func allSections() throws {
        let text = """
            DAEMON {
              idled cmd="idled" wait=yes maxfds=100
            }
            EVENTS {
              checkpoint cmd="ctl_cyrusdb -c" period=30
              prune cmd="cyr_expire -E 3" at=0400
              prune cmd="cyr_expire -E 4" at=2359
              once cmd="x"
            }
            START {
              recover cmd="ctl_cyrusdb -r"
              recover cmd="other"
            }
            """
        let conf = try CyrusConf.parse(text, path: "t.conf")
        #expect(conf.daemons.first?.wait == true)
        #expect(conf.daemons.first?.maxfds == 100)
        #expect(conf.events.map(\.name) == ["checkpoint", "prune", "prune", "once"])
        #expect(conf.events.map { $0.at?.description } == [nil, "04:00", "23:59", nil])
        #expect(conf.events.map(\.period) == [30, 0, 0, 0])
        #expect(conf.start.map(\.argv) == [["ctl_cyrusdb", "-r"], ["other"]])
        #expect(conf.warnings.isEmpty)
    }

    @Test("entries without cmd are errors in every section", arguments: [
        "START {\n  a\n}\n", "EVENTS {\n  a period=1\n}\n", "DAEMON {\n  a wait=1\n}\n", "SERVICES {\n  a cmd=\"\" listen=1\n}\n",
    ])
    func missingCommand(_ text: String) {
        let errors = cyrusErrors(text, mode: .cyrusCompatible)
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("has no cmd") == true)
    }

    @Test("DAEMON names share the SERVICES name space")
    func daemonClash() {
        let errors = cyrusErrors("SERVICES {\n  a cmd=x listen=1\n}\nDAEMON {\n  a cmd=y\n  b cmd=y\n  b cmd=z\n}\n")
        #expect(errors.map(\.line) == [5, 7])
        #expect(errors.first?.message.contains("already used by the SERVICES entry on line 2") == true)
    }
}
