import Foundation
import Sieve
import Testing

/// The table corpus: every case gives the lines written in it, and Pigeonhole's sieve-test
/// agrees with them (or with the difference written in the case).
@Suite struct CorpusTests {
    @Test func corpusIsLargeAndCoversEveryExtension() throws {
        let cases = try CorpusCase.loadAll()
        #expect(cases.count >= 200)
        for corpusCase in cases {
            #expect(!corpusCase.expected.isEmpty, "\(corpusCase.file): \(corpusCase.name) has no expect: lines")
            #expect(!corpusCase.script.contains("\nmessage: "), "\(corpusCase.file): \(corpusCase.name): message: must come before script:")
        }
        let scripts = cases.map(\.script).joined()
        for capability in ["fileinto", "reject", "ereject", "envelope", "encoded-character", "copy", "body", "variables",
                           "relational", "regex", "subaddress", "vacation", "vacation-seconds", "imap4flags", "environment",
                           "mailbox", "date", "index", "ihave", "duplicate", "include", "editheader"] {
            #expect(scripts.contains("\"\(capability)\""), "no corpus case requires \(capability)")
        }
    }

    @Test func everyCaseGivesItsExpectedActions() throws {
        for corpusCase in try CorpusCase.loadAll() {
            let actual = try corpusCase.run()
            #expect(actual == corpusCase.expected, "\(corpusCase.file): \(corpusCase.name)")
        }
    }

    @Test func pigeonholeAgreesWhereBothImplementTheSame() throws {
        guard PigeonholeOracle.isAvailable else {
            print("skipped: \(PigeonholeOracle.executable) is not installed (apt-get install dovecot-sieve)")
            return
        }
        let directory = try PigeonholeOracle.makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var nullSender = 0
        for corpusCase in try CorpusCase.loadAll() {
            // sieve-test refuses an empty -f: the null sender cannot be asked of it.
            if corpusCase.from.isEmpty { nullSender += 1; continue }
            let oracle = try PigeonholeOracle.run(corpusCase, in: directory)
            #expect(oracle == (corpusCase.pigeonhole ?? corpusCase.expected), "\(corpusCase.file): \(corpusCase.name)")
        }
        if nullSender > 0 { print("not compared with sieve-test: \(nullSender) null-sender case(s) (sieve-test -f cannot be empty)") }
    }
}

/// Maintainer aid, not a check: with `SIEVE_CORPUS_DUMP=<path>`, writes our lines and
/// sieve-test's for every case as JSON, to fill in new cases' `expect:` sections.
@Suite struct CorpusDump {
    @Test func dumpWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["SIEVE_CORPUS_DUMP"] else { return }
        let directory = try PigeonholeOracle.makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var dump: [String: [String: [String]]] = [:]
        for corpusCase in try CorpusCase.loadAll() {
            var entry = ["ours": try corpusCase.run()]
            if PigeonholeOracle.isAvailable { entry["oracle"] = try PigeonholeOracle.run(corpusCase, in: directory) }
            dump[corpusCase.file + "::" + corpusCase.name] = entry
        }
        try JSONSerialization.data(withJSONObject: dump, options: [.sortedKeys, .prettyPrinted]).write(to: URL(fileURLWithPath: path))
    }
}
