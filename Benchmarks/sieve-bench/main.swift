// sieve-bench: the cost of one Sieve run, in-process: the fifty-rule script of lmtp-bench
// (Tests/Fixtures/sieve/fifty-rules.sieve) and its last rule alone, on a 4 KiB message,
// compiled once, run N times (default 20,000).
//
// usage: sieve-bench [runs]
import Foundation
import POSIXCore
import Sieve

let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000

/// The fifty-rule script of lmtp-bench, kept with the test fixtures; its last rule files the
/// benchmark message.
let fiftyRulesPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/sieve/fifty-rules.sieve").path
let last = "if header :is \"subject\" \"benchmark\" { fileinto :flags \"\\\\Seen\" \"Bench\"; }\n"

let line = String(repeating: "x", count: 62) + "\n"
let message = "Return-Path: <a@example.org>\nReceived: from bench by bench.example (lmtpd) with LMTP; Sat, 5 Dec 2026 10:00:00 +0000\n"
    + "Subject: benchmark\nFrom: a@example.org\nDate: Wed, 25 Nov 2026 03:00:00 +0000\nMessage-ID: <bench@example.org>\n\n"
    + String(repeating: line, count: 3800 / line.utf8.count + 1)
let bytes = Array(message.utf8)

func measure(_ name: String, _ text: String) throws {
    let compiled = try SieveCompiler.compile(text, name: name)
    let envelope = SieveEnvelope(from: "a@example.org", to: "sieve@bench.example")
    let context = SieveContext()
    var filed = 0
    let start = MonotonicClock.now()
    for _ in 0..<runs {
        let result = SieveRunner.run(compiled, message: SieveMessage(bytes: bytes), envelope: envelope, context: context)
        if case .store(let mailbox, _, _, _, _)? = result.actions.first, mailbox == "Bench" { filed += 1 }
    }
    let perRun = (MonotonicClock.now() - start) / Double(runs) * 1e6
    print("  \(name): \((perRun * 10).rounded() / 10) µs per run (message parsed and script run), filed \(filed) of \(runs)")
}

print("sieve-bench: \(runs) runs on a \(bytes.count)-byte message")
try measure("50 rules", String(contentsOfFile: fiftyRulesPath, encoding: .utf8))
try measure(" 1 rule ", "require [\"fileinto\", \"imap4flags\"];\n" + last)
