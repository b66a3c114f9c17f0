import Testing
@testable import ConfParse

/// The bad/ fixtures: each must be rejected with the file, line and reason of Tests/Fixtures/README.md.
@Suite("cyrus.conf: bad fixtures")
struct BadFixtureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let line: Int
        let message: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "01-unterminated-brace.conf", line: 8, message: "section SERVICES is not closed before end of file"),
        Case(file: "02-brace-next-line.conf", line: 5, message: "section name SERVICES must be followed by { on the same line"),
        Case(file: "03-missing-cmd.conf", line: 5, message: "SERVICES entry \"deliverlan\": service deliverlan has no cmd"),
        Case(file: "04-duplicate-service.conf", line: 5,
             message: "SERVICES entry \"deliver\": duplicate service name deliver (first defined on line 3)"),
        Case(file: "05-bad-maxchild.conf", line: 4,
             message: "SERVICES entry \"deliver\": maxchild must be an integer, got \"plenty\""),
        Case(file: "06-garbage-line.conf", line: 5,
             message: "SERVICES entry \"remember\": expected key=value (found \"to\")"),
    ]

    @Test("rejected with exactly one error at the given line", arguments: cases)
    func rejected(_ c: Case) throws {
        let path = try Fixtures.path("bad/" + c.file)
        do {
            _ = try CyrusConf.load(path: path)
            Issue.record("\(c.file) was accepted")
        } catch {
            #expect(error.diagnostics.count == 1, "\(error)")
            let d = try #require(error.diagnostics.first)
            #expect(d.file == path)
            #expect(d.line == c.line)
            #expect(d.message.hasPrefix(c.message), "message: \(d.message)")
            #expect(error.description.hasPrefix("\(path):\(c.line): \(c.message)"))
        }
    }

    @Test("05 has the exact message, file:line: reason")
    func maxchildExactForm() throws {
        let path = try Fixtures.path("bad/05-bad-maxchild.conf")
        #expect(throws: ConfigError.self) { try CyrusConf.load(path: path) }
        do {
            _ = try CyrusConf.load(path: path)
        } catch {
            #expect(error.description == "\(path):4: SERVICES entry \"deliver\": maxchild must be an integer, got \"plenty\"")
        }
    }

    @Test("compatible mode: 01 warns and yields both services")
    func unterminatedCompatible() throws {
        let conf = try CyrusConf.load(path: Fixtures.path("bad/01-unterminated-brace.conf"), mode: .cyrusCompatible)
        #expect(conf.services.map(\.name) == ["deliver", "deliverlan"])
        #expect(conf.services.map(\.line) == [9, 10])
        #expect(conf.start.map(\.name) == ["dbrecover"])
        #expect(conf.warnings.map(\.line) == [8])
        #expect(conf.warnings.first?.description.contains(":8: warning: section SERVICES is not closed") == true)
    }

    @Test("compatible mode: 02 warns and, like Cyrus, has no services")
    func braceNextLineCompatible() throws {
        let conf = try CyrusConf.load(path: Fixtures.path("bad/02-brace-next-line.conf"), mode: .cyrusCompatible)
        #expect(conf.services.isEmpty)
        #expect(conf.warnings.map(\.line) == [5])
    }

    @Test("compatible mode: 05 warns and reads maxchild as Cyrus's atoi does (0)")
    func maxchildCompatible() throws {
        let conf = try CyrusConf.load(path: Fixtures.path("bad/05-bad-maxchild.conf"), mode: .cyrusCompatible)
        #expect(conf.services.first?.maxchild == 0)
        #expect(conf.warnings.count == 1)
        #expect(conf.warnings.first?.message.contains("Cyrus reads it as 0") == true)
    }

    @Test("compatible mode: 03, 04 and 06 stay errors (Cyrus is fatal)",
          arguments: ["03-missing-cmd.conf", "04-duplicate-service.conf", "06-garbage-line.conf"])
    func fatalInCyrus(_ file: String) throws {
        let path = try Fixtures.path("bad/" + file)
        #expect(throws: ConfigError.self) { try CyrusConf.load(path: path, mode: .cyrusCompatible) }
    }
}
