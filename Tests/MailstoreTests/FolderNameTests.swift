import Testing
@testable import Mailstore

@Suite("Folder names: modified UTF-7 and Maildir++ directory names")
struct FolderNameTests {
    @Test("modified UTF-7 encodes as RFC 3501 shows, and decodes back", arguments: [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("&", "&-"),
        ("台北", "&U,BTFw-"),
        ("日本語", "&ZeVnLIqe-"),
        ("~peter", "~peter"),
        ("tab\there", "tab&AAk-here"),
        ("😀 smile", "&2D3eAA- smile"),
        ("Café/x", "Caf&AOk-/x"),
    ])
    func roundTrip(text: String, encoded: String) {
        #expect(ModifiedUTF7.encode(text) == encoded)
        #expect(ModifiedUTF7.decode(encoded) == text)
    }

    @Test("every Unicode scalar class survives a round trip")
    func roundTripMany() {
        let samples = ["a&b&&c", "é&é", "ÀÉÎÕÜ", "\u{7f}\u{80}\u{ff}", "𝄞 music", "—–-", "", "a,b+c", "&-&-"]
        for sample in samples {
            #expect(ModifiedUTF7.decode(ModifiedUTF7.encode(sample)) == sample, "\(sample)")
        }
    }

    @Test("malformed modified UTF-7 is refused", arguments: [
        "&", "&AGE-", "&U,BTFw", "caf\u{e9}", "&*-", "&U,BTF-", "&2D0-", "a\u{1}b", "&U,BTFx-",
    ])
    func malformed(text: String) {
        #expect(ModifiedUTF7.decode(text) == nil)
    }

    /// Found by fuzzing (`Fuzz/Corpus/folder-name/regression-adjacent-runs`): two runs in a row
    /// decoded, so one folder had two spellings; only the single run (what we write) is accepted.
    @Test("two BASE64 runs in a row are not canonical")
    func adjacentRuns() {
        #expect(ModifiedUTF7.decode("&AOk-&ZeU-") == nil)
        #expect(ModifiedUTF7.decode(ModifiedUTF7.encode("\u{e9}\u{65e5}")) == "\u{e9}\u{65e5}")
        #expect(ModifiedUTF7.decode("&AOk-&-&ZeU-") == "\u{e9}&\u{65e5}")
        #expect(FolderName(directoryName: ".&AOk-&ZeU-") == nil)
    }

    @Test("a +detail is split at the hierarchy separator and encoded per level")
    func parseLevels() throws {
        let slash = try #require(try FolderName.parse("Lists/Café", separator: .slash))
        #expect(slash.levels == ["Lists", "Café"])
        #expect(slash.directoryName == ".Lists.Caf&AOk-")
        let dot = try #require(try FolderName.parse("Lists.Café", separator: .dot))
        #expect(dot == slash)
        #expect(try FolderName.parse("Tom & Jerry", separator: .slash)?.directoryName == ".Tom &- Jerry")
    }

    @Test("INBOX, in any case, is the Maildir root; a leading INBOX level is dropped")
    func inboxRelative() throws {
        #expect(try FolderName.parse("INBOX", separator: .slash) == nil)
        #expect(try FolderName.parse("inbox", separator: .dot) == nil)
        #expect(try FolderName.parse("INBOX/Sent", separator: .slash)?.directoryName == ".Sent")
        #expect(try FolderName.parse("Inbox.Sent", separator: .dot)?.directoryName == ".Sent")
    }

    @Test("names that could leave the Maildir or that Maildir++ cannot hold are refused", arguments: [
        ("..", HierarchySeparator.slash, FolderNameError.reservedCharacter(".")),
        ("..", .dot, .emptyLevel),
        ("../../etc", .slash, .reservedCharacter(".")),
        ("a/../b", .dot, .reservedCharacter("/")),
        ("a/b", .dot, .reservedCharacter("/")),
        ("a.b", .slash, .reservedCharacter(".")),
        ("", .slash, .emptyLevel),
        ("a//b", .slash, .emptyLevel),
        ("/a", .slash, .emptyLevel),
        ("a.", .dot, .emptyLevel),
        ("a\u{0}b", .slash, .invalidCharacter),
        ("a\nb", .slash, .invalidCharacter),
        ("a\u{7f}", .slash, .invalidCharacter),
        ("bad\u{fffd}utf8", .slash, .invalidCharacter),
    ])
    func refused(text: String, separator: HierarchySeparator, error: FolderNameError) {
        #expect(throws: error) { try FolderName.parse(text, separator: separator) }
    }

    @Test("the directory name may be 255 bytes, not 256")
    func lengthLimit() throws {
        let fits = String(repeating: "x", count: 254)
        #expect(try FolderName.parse(fits, separator: .slash)?.directoryName.utf8.count == 255)
        #expect(throws: FolderNameError.tooLong) { try FolderName.parse(fits + "x", separator: .slash) }
        // Non-ASCII grows when encoded: 100 × "é" is 200 bytes of UTF-8, 270 as a directory name.
        let wide = String(repeating: "é", count: 100)
        #expect(throws: FolderNameError.tooLong) { try FolderName.parse(wide, separator: .slash) }
    }

    @Test("a directory name decodes to its folder; non-folders and non-canonical names do not")
    func fromDirectory() throws {
        let folder = try #require(FolderName(directoryName: ".Lists.Caf&AOk-"))
        #expect(folder.levels == ["Lists", "Caf\u{e9}"])
        #expect(folder.description == "Lists/Café")
        for bad in ["cur", ".", "..", ".a..b", ".&AGE-", ".a.", ".caf\u{e9}"] {
            #expect(FolderName(directoryName: bad) == nil, "\(bad)")
        }
    }
}
