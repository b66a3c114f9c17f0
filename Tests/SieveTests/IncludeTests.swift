import Sieve
import Testing

/// RFC 6609 include: scripts loaded through the caller's loader at compile time.
@Suite struct IncludeTests {
    static func loader(_ scripts: [String: String]) -> SieveIncludeLoader {
        { name, location in scripts["\(location.rawValue):\(name)"].map { Array($0.utf8) } }
    }

    @Test func includedScriptActionsAndGlobalVariablesAreShared() {
        let scripts = ["personal:common": """
            require ["include", "variables", "fileinto"];
            global "box";
            fileinto "${box}";
            """]
        let main = """
        require ["include", "variables"];
        global "box";
        set "box" "Shared";
        include :personal "common";
        """
        #expect(dryRun(main, includes: Self.loader(scripts)) == ["status=ok", "store mailbox=Shared flags=- create=0 copy=0 implicit=0"])
    }

    @Test func localVariablesAreNotShared() {
        let scripts = ["global:g": "require [\"include\", \"variables\", \"fileinto\"];\nfileinto \"X${box}\";\n"]
        let main = "require [\"include\", \"variables\"];\nset \"box\" \"Local\";\ninclude :global \"g\";\n"
        #expect(dryRun(main, includes: Self.loader(scripts)) == ["status=ok", "store mailbox=X flags=- create=0 copy=0 implicit=0"])
    }

    @Test func returnLeavesOnlyTheIncludedScript() {
        let scripts = ["personal:r": "require [\"include\", \"fileinto\"];\nfileinto \"A\";\nreturn;\nfileinto \"B\";\n"]
        let main = "require [\"include\", \"fileinto\"];\ninclude \"r\";\nfileinto \"C\";\n"
        #expect(dryRun(main, includes: Self.loader(scripts)) == [
            "status=ok", "store mailbox=A flags=- create=0 copy=0 implicit=0", "store mailbox=C flags=- create=0 copy=0 implicit=0",
        ])
    }

    @Test func stopInAnIncludedScriptStopsEverything() {
        let scripts = ["personal:s": "stop;\n"]
        let main = "require [\"include\"];\ninclude \"s\";\ndiscard;\n"
        #expect(dryRun(main, includes: Self.loader(scripts)) == ["status=ok", implicitKeep])
    }

    @Test func onceIncludesOnlyOnce() {
        let scripts = ["personal:once": "require [\"include\", \"imap4flags\"];\naddflag \"x\";\naddflag \"y${n}\";\n"]
        let main = "require [\"include\"];\ninclude :once \"once\";\ninclude :once \"once\";\n"
        #expect(dryRun(main, includes: Self.loader(scripts)) == ["status=ok", "store mailbox=INBOX flags=x,y${n} create=0 copy=0 implicit=1"])
    }

    @Test func aLoopIsACompileErrorNamingTheScript() {
        let scripts = ["personal:a": "require \"include\";\ninclude \"b\";\n", "personal:b": "require \"include\";\ninclude \"a\";\n"]
        let errors = compileErrors("require \"include\";\ninclude \"a\";\n", includes: Self.loader(scripts))
        #expect(errors.contains { $0.message.contains("include loop") && $0.location.file == "b" })
    }

    @Test func depthIsBounded() {
        var scripts: [String: String] = [:]
        for i in 0..<20 { scripts["personal:s\(i)"] = "require \"include\";\ninclude \"s\(i + 1)\";\n" }
        scripts["personal:s20"] = "keep;\n"
        let errors = compileErrors("require \"include\";\ninclude \"s0\";\n", includes: Self.loader(scripts))
        #expect(errors.contains { $0.message.contains("nested deeper than 10") })
    }

    @Test func errorsInAnIncludedScriptNameItsFileAndLine() {
        let scripts = ["personal:bad": "keep;\nfrobnicate;\n"]
        let errors = compileErrors("require \"include\";\ninclude \"bad\";\n", includes: Self.loader(scripts))
        #expect(errors.first?.description == "bad:2:1: unknown command 'frobnicate'")
    }
}
