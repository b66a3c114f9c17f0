import Sieve
import Testing

/// What the delivery gets from a run beyond the action lines.
@Suite struct ResultTests {
    static func run(_ script: String, _ message: String = defaultMessage, context: SieveContext = SieveContext()) throws -> SieveResult {
        let compiled = try SieveCompiler.compile(script, name: "test")
        return SieveRunner.run(compiled, message: SieveMessage(bytes: Array(message.utf8)),
                               envelope: SieveEnvelope(from: "bob@example.org", to: "alice@example.com"), context: context)
    }

    @Test func headerEditsReachTheStoredCopyOnly() throws {
        let result = try Self.run("require \"editheader\";\naddheader \"X-Sieve\" \"filtered\";\ndeleteheader \"cc\";\n")
        #expect(result.headerEdits == [.add(name: "X-Sieve", value: "filtered", last: false), .delete(name: "cc", occurrences: [0])])
        let names = result.editedHeader?.map(\.name) ?? []
        #expect(names.first == "X-Sieve")
        #expect(!names.contains("Cc"))
    }

    @Test func noEditsMeansNoEditedHeader() throws {
        #expect(try Self.run("keep;").editedHeader == nil)
    }

    @Test func runtimeErrorsKeepTheMessageAndSayWhere() throws {
        let result = try Self.run("require [\"fileinto\", \"variables\"];\nset \"f\" \"../etc\";\n\nfileinto \"${f}\";\n")
        #expect(result.status == .runtimeError)
        #expect(result.actions == [.store(mailbox: "INBOX", flags: [], create: false, copy: false, implicit: true)])
        #expect(result.errors.first?.description == "test:4:1: fileinto: mailbox name starts with '.'")
    }

    @Test func duplicateAsksTheCallerAndTracks() throws {
        let context = SieveContext(isDuplicate: { $0.uniqueID == "<m1@example.org>" && $0.handle == "h" })
        let result = try Self.run("require \"duplicate\";\nif duplicate :handle \"h\" :seconds 60 { discard; }\n", context: context)
        #expect(result.actions.contains(.discard))
        #expect(result.actions.contains(.duplicateTrack(DuplicateQuery(handle: "h", uniqueID: "<m1@example.org>", seconds: 60, last: false))))
    }

    @Test func mailboxExistsAsksTheCaller() throws {
        let context = SieveContext(mailboxExists: { $0 == "Work" })
        let script = "require [\"mailbox\", \"fileinto\"];\nif mailboxexists \"Work\" { fileinto \"Work\"; }\n"
        #expect(try Self.run(script, context: context).actions == [.store(mailbox: "Work", flags: [], create: false, copy: false, implicit: false)])
    }

    @Test func currentdateUsesTheGivenClockAndZone() throws {
        let context = SieveContext(now: 1_796_040_000, localZoneOffsetMinutes: 60)
        let script = "require [\"date\", \"fileinto\", \"variables\"];\nif currentdate :matches \"iso8601\" \"*\" { fileinto \"${1}\"; }\n"
        #expect(try Self.run(script, context: context).actions.first == .store(mailbox: "2026-11-30T13:00:00+01:00", flags: [], create: false, copy: false, implicit: false))
    }

    @Test func vacationRepliesToTheSenderWithAHandle() throws {
        let result = try Self.run("require \"vacation\";\nvacation :days 10 \"Away\";\n", context: SieveContext(userAddresses: ["alice@example.com"]))
        guard case .vacation(let vacation)? = result.actions.first(where: { if case .vacation = $0 { return true }; return false }) else {
            Issue.record("no vacation")
            return
        }
        #expect(vacation.recipient == "bob@example.org")
        #expect(vacation.seconds == 864_000)
        #expect(vacation.handle == "Away<default-subject><default-from><NO-MIME>")
    }
}

@Suite struct EditHeaderEncodingTests {
    @Test func nonASCIIValuesAreStoredAsEncodedWordsAndTestedDecoded() throws {
        let script = "require [\"editheader\", \"fileinto\"];\naddheader \"X-Note\" \"café crème\";\nif header :is \"x-note\" \"café crème\" { fileinto \"Seen\"; }\n"
        let result = try ResultTests.run(script)
        #expect(result.actions == [.store(mailbox: "Seen", flags: [], create: false, copy: false, implicit: false)])
        let stored = result.editedHeader?.first { $0.name == "X-Note" }.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(stored == "=?UTF-8?B?Y2Fmw6kgY3LDqG1l?=")
    }
}
