import Foundation
import FuzzTargets
import Testing

/// Every fuzz target over its committed seed corpus (`Fuzz/Corpus/<target>/`) and over a few
/// thousand deterministic mutations of it, in-process and without sanitizers: a regression
/// that breaks an invariant crashes this test. The real fuzzing is `make fuzz`.
@Suite("fuzz corpus")
struct CorpusTests {
    @Test("every seed keeps every invariant", arguments: FuzzTarget.allCases)
    func seeds(_ target: FuzzTarget) throws {
        let seeds = try Corpus.seeds(of: target)
        #expect(seeds.count >= 3, "the corpus of \(target.name) is (almost) empty")
        for seed in seeds { target.run(seed) }
    }

    @Test("mutated seeds keep every invariant", arguments: FuzzTarget.allCases)
    func mutations(_ target: FuzzTarget) throws {
        let seeds = try Corpus.seeds(of: target)
        var mutator = Mutator(seed: 20_261_205)
        // With FUZZ_LAST_INPUT=<file>, each input is written to <file>.<target> first: after a
        // crash it holds the input to replay (`Fuzz/.build/release/fuzz-<target> <file>.<target>`).
        let save = ProcessInfo.processInfo.environment["FUZZ_LAST_INPUT"].map { URL(fileURLWithPath: "\($0).\(target.name)") }
        for _ in 0..<Corpus.mutationsPerTarget {
            let input = mutator.mutate(seeds)
            if let save { try Data(input).write(to: save) }
            target.run(input)
        }
    }
}

enum Corpus {
    static let mutationsPerTarget = 2000

    /// The repository's `Fuzz/Corpus`, found from this file's path.
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")
    }

    /// The seed files of a target, in name order.
    static func seeds(of target: FuzzTarget) throws -> [[UInt8]] {
        let folder = directory.appendingPathComponent(target.name)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }
}
