import Foundation
import Glibc
import Testing

/// Debian's real Dovecot IMAP server, on loopback, pointed at the Maildirs our lmtpd writes:
/// it must list the folders, count and flag the messages, return exactly the stored bytes and
/// report the Maildir++ quota. Needs dovecot-core and the unpacked dovecot-imapd (installed by
/// scripts/setup-deps). Serialized: each test runs its own Dovecot on a free port.
@Suite("interop: Dovecot IMAP serves what lmtpd delivered", .serialized)
struct DovecotInteropTests {
    /// Messages with different shapes: small, 8-bit body, long lines (longer than lmtpd's input
    /// buffer) with a dot-stuffed line, a large one, and one for two recipients.
    static let messages: [LMTPMessage] = [
        LMTPMessage(to: ["alice"], "Subject: small\nMessage-ID: <small@example.org>\n\nhello\n"),
        LMTPMessage(to: ["alice"], """
            Subject: eight-bit
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Grüße aus Köln, ça va? Ωμέγα

            """, eightBit: true),
        LMTPMessage(to: ["alice"], "Subject: long lines\n\n" + String(repeating: "x", count: 10_000) + "\n"
            + ".a line that starts with a dot\n" + String(repeating: "0123456789", count: 9_000) + "\nend\n"),
        LMTPMessage(to: ["alice"], "Subject: large\n\n"
            + (0..<5_000).map { "line \($0) " + String(repeating: "z", count: 60) + "\n" }.joined()),
        LMTPMessage(to: ["alice", "bob"], "Subject: to both\nTo: alice, bob\n\nshared file, two links\n"),
    ]

    @Test("LIST, SELECT counts, new-mail flags and BODY[] equal to the stored files")
    func servesDeliveredMessages() throws {
        let (bed, dovecot) = try Self.start("dovecot-serve")
        defer { dovecot.stop() }
        let replies = try bed.deliverAsMailUser(Self.messages)
        #expect(replies.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 6, "\(replies)")

        let imap = try dovecot.login("alice")
        defer { imap.logout() }
        let list = try imap.command("LIST \"\" \"*\"")
        #expect(list.isOK)
        #expect(list.listedMailboxes == ["INBOX"])

        let select = try imap.command("SELECT INBOX")
        #expect(select.isOK, "\(select.text)")
        #expect(select.count("EXISTS") == 5)
        #expect(select.count("RECENT") == 5)

        let fetch = try imap.command("FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])")
        #expect(fetch.isOK, "\(fetch.status) \(fetch.text)")
        let fetched = fetch.fetched
        #expect(fetched.count == 5)
        try Self.expectServedExactly(fetched.values.map { $0 }, stored: bed.storedFiles("alice"))
        for item in fetched.values {
            #expect(item.flags == ["\\Recent"], "new mail: not seen, recent")
        }

        let bob = try dovecot.login("bob")
        defer { bob.logout() }
        let bobSelect = try bob.command("EXAMINE INBOX")
        #expect(bobSelect.count("EXISTS") == 1)
        try Self.expectServedExactly(try bob.command("FETCH 1 (RFC822.SIZE BODY.PEEK[])").fetched.values.map { $0 },
                                     stored: bed.storedFiles("bob"))
        #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
    }

    @Test("flags set over IMAP land in the Maildir names; mail delivered while selected shows up")
    func flagsAndLiveDelivery() throws {
        let (bed, dovecot) = try Self.start("dovecot-flags")
        defer { dovecot.stop() }
        _ = try bed.deliverAsMailUser(Array(Self.messages.prefix(2)))

        let imap = try dovecot.login("alice")
        defer { imap.logout() }
        #expect(try imap.command("SELECT INBOX").count("EXISTS") == 2)
        let store = try imap.command("STORE 1 +FLAGS (\\Seen \\Flagged)")
        #expect(store.isOK, "\(store.text)")
        let flags = try imap.command("FETCH 1:2 (FLAGS)").fetched
        #expect(Set(flags[1]?.flags ?? []) == ["\\Seen", "\\Flagged", "\\Recent"])
        #expect(flags[2]?.flags == ["\\Recent"])
        // Dovecot renamed lmtpd's file: `:2,FS` (Maildir info, flags sorted), size field intact.
        let names = bed.files("alice", in: "cur")
        #expect(names.filter { $0.hasSuffix(":2,FS") }.count == 1, "\(names)")

        // Delivered while the folder is selected: NOOP reports it.
        let replies = try bed.deliverAsMailUser([LMTPMessage(to: ["alice"], "Subject: while selected\n\nlive\n")])
        #expect(replies.contains { $0.hasPrefix("250 2.1.5 Success") })
        let noop = try imap.command("NOOP")
        #expect(noop.count("EXISTS") == 3)
        let third = try imap.command("FETCH 3 (FLAGS RFC822.SIZE BODY.PEEK[])").fetched
        #expect(third[3]?.flags == ["\\Recent"])
        try Self.expectServedExactly(third.values.map { $0 }, stored: bed.storedFiles("alice"), all: false)

        // A second session sees the flags kept, and nothing recent any more.
        let again = try dovecot.login("alice")
        defer { again.logout() }
        let reselect = try again.command("EXAMINE INBOX")
        #expect(reselect.count("EXISTS") == 3)
        #expect(reselect.count("RECENT") == 0)
        let kept = try again.command("FETCH 1:3 (FLAGS)").fetched
        #expect(Set(kept[1]?.flags ?? []) == ["\\Seen", "\\Flagged"])
        #expect(kept[2]?.flags == [] && kept[3]?.flags == [])
        #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
    }

    // MARK: helpers

    /// A testbed with alice and bob and a Dovecot serving it (stopped by the caller's defer).
    static func start(_ label: String) throws -> (MailTestbed, DovecotInstance) {
        let bed = try MailTestbed(label)
        let dovecot = try DovecotInstance(serving: bed)
        return (bed, dovecot)
    }

    /// Each served message, with CRLF turned back into LF, is byte for byte one stored file
    /// (each file matched once; with `all`, every file is served); RFC822.SIZE is the CRLF
    /// size of that file and the literal's length; every file name's `S=` is its exact size.
    static func expectServedExactly(_ served: [IMAPFetch], stored: [String: [UInt8]], all: Bool = true,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        var unmatched = stored
        for item in served {
            let body = try #require(item.body, "no BODY[] literal", sourceLocation: sourceLocation)
            let lf = lfLineEnds(body)
            let match = unmatched.first { $0.value == lf }
            #expect(match != nil, "served message matches no stored file: \(String(decoding: body.prefix(200), as: UTF8.self))",
                    sourceLocation: sourceLocation)
            guard let (name, bytes) = match else { continue }
            unmatched.removeValue(forKey: name)
            let lineEnds = bytes.filter { $0 == 0x0A }.count
            #expect(item.rfc822Size == bytes.count + lineEnds, "RFC822.SIZE of \(name)", sourceLocation: sourceLocation)
            #expect(item.rfc822Size == body.count, "RFC822.SIZE vs BODY[] of \(name)", sourceLocation: sourceLocation)
            #expect(maildirSizeField(name) == bytes.count, "S= of \(name)", sourceLocation: sourceLocation)
        }
        if all {
            #expect(unmatched.isEmpty, "stored but not served: \(unmatched.keys.sorted())", sourceLocation: sourceLocation)
        }
    }
}
