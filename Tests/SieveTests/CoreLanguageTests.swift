import Sieve
import Testing

@Suite struct CoreLanguageTests {
    @Test func emptyScriptKeepsImplicitly() {
        #expect(dryRun("") == ["status=ok", implicitKeep])
    }

    @Test func fileintoCancelsImplicitKeep() {
        #expect(dryRun(#"require "fileinto"; fileinto "Work";"#) ==
            ["status=ok", "store mailbox=Work flags=- create=0 copy=0 implicit=0"])
    }

    @Test func ifElsifElseTakesTheFirstTrueBranch() {
        let script = """
        require "fileinto";
        if header :contains "subject" "nothing" { fileinto "A"; }
        elsif header :is "Subject" "meeting TOMORROW" { fileinto "B"; }
        else { fileinto "C"; }
        """
        #expect(dryRun(script) == ["status=ok", "store mailbox=B flags=- create=0 copy=0 implicit=0"])
    }

    @Test func stopEndsTheScriptWithImplicitKeep() {
        #expect(dryRun(#"require "fileinto"; stop; fileinto "X";"#) == ["status=ok", implicitKeep])
    }

    @Test func discardStoresNothing() {
        #expect(dryRun("discard;") == ["status=ok", "discard"])
    }

    @Test func multiLineStringsAreDotUnstuffed() {
        let script = "require \"reject\";\nreject text:\nline one\n..dot\n.\n;\n"
        #expect(dryRun(script) == ["status=ok", #"reject reason="line one\r\n.dot\r\n""#])
    }

    @Test func commentsOfBothKindsAreIgnored() {
        let script = "# hash comment\n/* bracket\ncomment */ discard; # end"
        #expect(dryRun(script) == ["status=ok", "discard"])
    }

    @Test func numbersTakeQuantifiers() {
        #expect(dryRun("if size :under 1K { discard; }") == ["status=ok", "discard"])
        #expect(dryRun("if size :over 1M { discard; }") == ["status=ok", implicitKeep])
    }

    @Test func addressPartsSplitLocalpartAndDomain() {
        #expect(dryRun(#"if address :domain "from" "EXAMPLE.org" { discard; }"#) == ["status=ok", "discard"])
        #expect(dryRun(#"if address :localpart "to" "alice" { discard; }"#) == ["status=ok", "discard"])
        #expect(dryRun(#"if address :all :is "to" "Alice <alice@example.com>" { discard; }"#) == ["status=ok", implicitKeep])
    }

    @Test func matchesCapturesWildcardsLeftmostShortest() {
        let script = """
        require ["variables", "fileinto"];
        if header :matches "subject" "* *" { fileinto "${1}/${2}"; }
        """
        #expect(dryRun(script) == ["status=ok", "store mailbox=Meeting/tomorrow flags=- create=0 copy=0 implicit=0"])
    }

    @Test func octetComparatorIsCaseSensitive() {
        #expect(dryRun(#"if header :comparator "i;octet" :is "subject" "meeting tomorrow" { discard; }"#) == ["status=ok", implicitKeep])
    }

    @Test func numericComparatorComparesNumbers() {
        let script = #"require ["relational", "comparator-i;ascii-numeric"]; if header :value "gt" :comparator "i;ascii-numeric" "x-score" "9" { discard; }"#
        #expect(dryRun(script, "X-Score: 10\n\nbody\n") == ["status=ok", "discard"])
        #expect(dryRun(script, "X-Score: 8\n\nbody\n") == ["status=ok", implicitKeep])
    }

    @Test func encodedWordsInHeadersAreDecoded() {
        let message = "Subject: =?UTF-8?B?w6l0w6k=?= =?ISO-8859-1?Q?_caf=E9?=\n\nx\n"
        #expect(dryRun(#"if header :is "subject" "été café" { discard; }"#, message) == ["status=ok", "discard"])
    }

    @Test func existsNeedsEveryHeader() {
        #expect(dryRun(#"if exists ["from", "date"] { discard; }"#) == ["status=ok", "discard"])
        #expect(dryRun(#"if exists ["from", "x-nothing"] { discard; }"#) == ["status=ok", implicitKeep])
    }

    @Test func sizeCountsLineEndsAsCRLF() {
        let message = "A: b\n\nxy\n"  // 9 bytes with LF, 12 with CRLF
        #expect(dryRun("if size :over 11 { discard; }", message) == ["status=ok", "discard"])
        #expect(dryRun("if size :under 12 { discard; }", message) == ["status=ok", implicitKeep])
    }
}

@Suite struct HostileMessageTests {
    @Test func absurdDatesAreNotDates() {
        let script = "require [\"date\", \"fileinto\"];\nif date :is \"date\" \"year\" \"2026\" { fileinto \"Y\"; }\n"
        for date in ["Mon, 7 Dec 99999999999999999 10:00:00 +0000", "7 Dec 2026", "Mon, 32 Dec 2026 10:00:00 +0000", "garbage"] {
            #expect(dryRun(script, "Date: \(date)\n\nx\n") == ["status=ok", implicitKeep])
        }
    }

    @Test func headerWithoutBodyAndBareLineFeedsStillParse() {
        #expect(dryRun("if header :is \"subject\" \"x\" { discard; }", "Subject: x") == ["status=ok", "discard"])
        #expect(dryRun("if header :is \"subject\" \"x y\" { discard; }", "Subject: x\n y\n\nbody") == ["status=ok", "discard"])
    }

    @Test func brokenMimeStructureIsSurvived() {
        let message = "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!\n--b\n"
        #expect(dryRun("require \"body\"; if body :text :contains \"zz\" { discard; }", message) == ["status=ok", implicitKeep])
    }
}
