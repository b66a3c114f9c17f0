import Sieve
import Testing

/// What a script author sees when a script is wrong, and the bounds that protect delivery.
@Suite struct CompilerTests {
    @Test func errorsGiveFileLineColumnAndWhat() {
        let errors = compileErrors("keep;\nif header :is \"subject\" {\n  discard;\n}\n")
        #expect(errors.map(\.description) == ["test:2:4: header: expected 2 positional argument(s), found 1"])
    }

    @Test func everyBadCommandIsReported() {
        let errors = compileErrors("frob;\nkeep;\nfileinto \"x\";\n")
        #expect(errors.map(\.location.line) == [1, 3])
    }

    @Test func unsupportedExtensionsAreNamed() {
        let errors = compileErrors("require [\"fileinto\", \"mime\", \"foreverypart\"];\n")
        #expect(errors.first?.message == "unsupported extension(s) in require: \"mime\", \"foreverypart\"")
    }

    @Test func scriptSizeLimitIsEnforced() {
        var limits = SieveLimits()
        limits.maxScriptSizeKB = 1
        let script = String(repeating: "keep;\n", count: 200)
        #expect(compileErrors(script, limits: limits).first?.message.contains("sieve_maxscriptsize") == true)
        #expect(compileErrors(script).isEmpty)
    }

    @Test func nestingIsBounded() {
        let script = String(repeating: "if true { ", count: 100) + String(repeating: "} ", count: 100)
        #expect(compileErrors(script).first?.message.contains("nesting deeper") == true)
        let tests = "if " + String(repeating: "not ", count: 5000) + "true { keep; }"
        #expect(compileErrors(tests).first?.message.contains("nesting deeper") == true)
    }

    @Test func tagsAfterPositionalArgumentsAreRefused() {
        #expect(compileErrors("if header \"subject\" \"x\" :is { keep; }").first?.message.contains("after a positional") == true)
    }

    @Test func unterminatedTextStringIsReportedWhereItStarts() {
        let errors = compileErrors("require \"reject\";\nreject text:\nno end\n")
        #expect(errors.first?.location.line == 2)
    }

    @Test func catastrophicRegexFinishesQuickly() {
        let script = "require [\"regex\", \"fileinto\"];\nif header :regex \"subject\" \"^(a|a?)+(a*)*(a+)+b$\" { fileinto \"X\"; }"
        let message = "Subject: " + String(repeating: "a", count: 5000) + "\n\nx\n"
        let clock = ContinuousClock()
        let started = clock.now
        #expect(dryRun(script, message) == ["status=ok", implicitKeep])
        #expect(clock.now - started < .seconds(1))
    }

    @Test func backReferencesAreRefused() {
        #expect(compileErrors("require \"regex\";\nif header :regex \"subject\" \"(a)\\\\1\" { keep; }").first?.message.contains("back-references") == true)
    }
}
