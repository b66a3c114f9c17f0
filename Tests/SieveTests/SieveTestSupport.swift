import Sieve

/// Compiles and runs a script on a message, returning the dry-run lines (status first).
func dryRun(_ script: String, _ message: String = defaultMessage, from: String = "bob@example.org",
            to: String = "alice@example.com", context: SieveContext = SieveContext(userAddresses: ["alice@example.com"]),
            includes: SieveIncludeLoader? = nil) -> [String] {
    let compiled: CompiledScript
    do {
        compiled = try SieveCompiler.compile(script, name: "test", includeLoader: includes, limits: context.limits)
    } catch {
        return SieveDryRunFormat.compileErrorLines()
    }
    let result = SieveRunner.run(compiled, message: SieveMessage(bytes: Array(message.utf8)),
                                 envelope: SieveEnvelope(from: from, to: to), context: context)
    return SieveDryRunFormat.lines(result)
}

/// The compile errors of a script (empty when it compiles).
func compileErrors(_ script: String, includes: SieveIncludeLoader? = nil, limits: SieveLimits = SieveLimits()) -> [SieveDiagnostic] {
    do {
        _ = try SieveCompiler.compile(script, name: "test", includeLoader: includes, limits: limits)
        return []
    } catch {
        return error.diagnostics
    }
}

let implicitKeep = "store mailbox=INBOX flags=- create=0 copy=0 implicit=1"

let defaultMessage = """
From: Bob Example <bob@example.org>
To: Alice <alice@example.com>
Cc: carol@example.net
Subject: Meeting tomorrow
Date: Mon, 7 Dec 2026 10:00:00 +0100
Message-ID: <m1@example.org>

Hello Alice,
see you at the meeting.

"""
