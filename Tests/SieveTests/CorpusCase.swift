import Foundation
import Sieve

/// One (script, message, envelope) case of the corpus in `Corpus/*.cases`, with our expected
/// dry-run lines and, where Pigeonhole's `sieve-test` differs on purpose, its lines and why.
///
/// File format: `=== name`, then optional `message: <name in Corpus/Messages>`, `from: <addr>`,
/// `to: <addr>`, then `script:` followed by the script lines, `expect:` followed by the lines,
/// and optionally `pigeonhole: <why>` followed by what sieve-test gives.
struct CorpusCase {
    var file: String
    var name: String
    var message = "plain"
    var from = "bob@example.org"
    var to = "alice@example.com"
    var script = ""
    var expected: [String] = []
    var pigeonhole: [String]?
    var pigeonholeReason: String?

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func loadAll() throws -> [CorpusCase] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".cases") }.sorted()
        return try files.flatMap { try parse(String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8), file: $0) }
    }

    static func message(named name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent("Messages").appendingPathComponent(name + ".eml")))
    }

    static func parse(_ text: String, file: String) -> [CorpusCase] {
        var cases: [CorpusCase] = []
        var current: CorpusCase?
        enum Section { case header, script, expect, pigeonhole }
        var section = Section.header
        var scriptLines: [String] = []
        func finish() {
            guard var done = current else { return }
            done.script = scriptLines.joined(separator: "\n") + "\n"
            cases.append(done)
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("=== ") {
                finish()
                current = CorpusCase(file: file, name: String(line.dropFirst(4)))
                section = .header
                scriptLines = []
                continue
            }
            guard current != nil else { continue }
            switch section {
            case .header:
                if line == "script:" { section = .script }
                else if line.hasPrefix("message: ") { current?.message = String(line.dropFirst(9)) }
                else if line.hasPrefix("from: ") { current?.from = String(line.dropFirst(6)) }
                else if line == "from:" { current?.from = "" }
                else if line.hasPrefix("to: ") { current?.to = String(line.dropFirst(4)) }
            case .script:
                if line == "expect:" { section = .expect } else { scriptLines.append(line) }
            case .expect, .pigeonhole:
                if line.hasPrefix("pigeonhole:") {
                    section = .pigeonhole
                    current?.pigeonhole = []
                    current?.pigeonholeReason = line.dropFirst(11).trimmingCharacters(in: .whitespaces)
                } else if !line.isEmpty {
                    if section == .expect { current?.expected.append(line) } else { current?.pigeonhole?.append(line) }
                }
            }
        }
        finish()
        return cases
    }

    /// Our dry-run lines for this case (the same as `sievetest` prints).
    func run() throws -> [String] {
        let compiled: CompiledScript
        do {
            compiled = try SieveCompiler.compile(script, name: name)
        } catch {
            return SieveDryRunFormat.compileErrorLines()
        }
        let message = SieveMessage(bytes: try Self.message(named: self.message))
        let context = SieveContext(userAddresses: [to], mailboxExists: { _ in false },
                                   now: 1_796_040_000, environment: ["domain": "example.com", "host": "mail.example.com"])
        let result = SieveRunner.run(compiled, message: message, envelope: SieveEnvelope(from: from, to: to), context: context)
        return SieveDryRunFormat.lines(result)
    }
}
