// sieve-bench: the cost of one Sieve run, in-process: the fifty-rule script of lmtp-bench (and
// a one-rule script) on a 4 KiB message, compiled once, run N times (default 20,000).
//
// usage: sieve-bench [runs]
import POSIXCore
import Sieve

let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000

/// The same fifty rules as lmtp-bench: none matches the message; the fifty-first files it.
func fiftyRules() -> String {
    var script = "require [\"fileinto\", \"imap4flags\", \"body\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
    for i in 0..<49 {
        switch i % 5 {
        case 0: script += "if header :contains \"subject\" \"project-\(i)\" { fileinto \"P\(i)\"; stop; }\n"
        case 1: script += "if address :domain :is [\"from\", \"sender\"] \"list\(i).example.org\" { fileinto \"L\(i)\"; stop; }\n"
        case 2: script += "if header :matches \"list-id\" \"*<list\(i).*>\" { fileinto \"M\(i)\"; stop; }\n"
        case 3: script += "if header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"\(i + 100)\" { addflag \"Junk\"; }\n"
        default: script += "if body :contains \"unsubscribe-\(i)\" { fileinto \"B\(i)\"; stop; }\n"
        }
    }
    return script
}
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
try measure("50 rules", fiftyRules() + last)
try measure(" 1 rule ", "require [\"fileinto\", \"imap4flags\"];\n" + last)
