import Testing
@testable import LMTPServer

/// What lmtpd sends for a Sieve script: vacation replies, refusal notices, redirects.
@Suite("Sieve's outgoing messages")
struct OutgoingMessagesTests {
    private let original = OutgoingMessages.Original(
        sender: "bob@example.org", recipient: "alice@example.com", messageID: "<m1@example.org>",
        references: "<m0@example.org>", subject: "Lunch?",
        bytes: Array("Return-Path: <bob@example.org>\nReceived: from x by y\nSubject: Lunch?\nMessage-ID: <m1@example.org>\n\nHungry?\n".utf8))

    @Test("a vacation reply: from <> to the sender, Auto-Submitted, threading headers, Auto: subject")
    func vacation() {
        let reply = OutgoingMessages.vacation(to: original, from: nil, subject: nil, body: "Away until Monday.", mime: false,
                                              date: "Sat, 05 Dec 2026 10:00:00 +0000", messageID: "<v1@host>")
        #expect(reply.sender == "" && reply.recipients == ["bob@example.org"])
        let text = String(decoding: reply.bytes, as: UTF8.self)
        #expect(text == """
            Date: Sat, 05 Dec 2026 10:00:00 +0000
            From: alice@example.com
            To: <bob@example.org>
            Subject: Auto: Lunch?
            Message-ID: <v1@host>
            In-Reply-To: <m1@example.org>
            References: <m0@example.org> <m1@example.org>
            Auto-Submitted: auto-replied (vacation)
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Away until Monday.

            """)
    }

    @Test("a UTF-8 subject is an RFC 2047 encoded word; header injection is flattened")
    func encodedSubject() {
        let reply = OutgoingMessages.vacation(to: original, from: "Alice <alice@example.com>\nBcc: evil@x", subject: "Abwesend – zurück am Montag",
                                              body: "x", mime: false, date: "d", messageID: "<v@h>")
        let text = String(decoding: reply.bytes, as: UTF8.self)
        #expect(text.contains("\nSubject: =?utf-8?B?QWJ3ZXNlbmQg4oCTIHp1csO8Y2sgYW0gTW9udGFn?=\n"))
        #expect(text.contains("\nFrom: Alice <alice@example.com> Bcc: evil@x\n"))
        #expect(!text.contains("\nBcc:"))
    }

    @Test("a refusal notice: a disposition notification with the reason and the refused header")
    func refusal() {
        let notice = OutgoingMessages.refusalNotice(to: original, reason: "Not interested.", reportingHost: "mx.example.com",
                                                    date: "d", messageID: "<r1@mx>")
        #expect(notice.sender == "" && notice.recipients == ["bob@example.org"])
        let text = String(decoding: notice.bytes, as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/report; report-type=disposition-notification;"))
        #expect(text.contains("\nNot interested.\n"))
        #expect(text.contains("Final-Recipient: rfc822; alice@example.com\nOriginal-Message-ID: <m1@example.org>\n"
                              + "Disposition: automatic-action/MDN-sent-automatically; deleted\n"))
        #expect(text.contains("Content-Type: text/rfc822-headers\n\nReceived: from x by y\nSubject: Lunch?\nMessage-ID: <m1@example.org>\n\n--"))
        #expect(!text.contains("Hungry?"))
    }

    @Test("a redirect is the message as received, without lmtpd's Return-Path, from the original sender")
    func redirect() {
        let sent = OutgoingMessages.redirect(original, to: "carol@example.net")
        #expect(sent.sender == "bob@example.org" && sent.recipients == ["carol@example.net"])
        #expect(String(decoding: sent.bytes, as: UTF8.self).hasPrefix("Received: from x by y\n"))
    }
}
