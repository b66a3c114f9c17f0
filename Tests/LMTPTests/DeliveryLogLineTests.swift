import Testing
@testable import LMTP

@Suite("the delivery log line")
struct DeliveryLogLineTests {
    @Test("values with spaces, quotes, '=' or control bytes are quoted and escaped; plain ones stay bare")
    func quoting() {
        let line = DeliveryLogLine(
            session: "s-1", messageID: "<a b@x>", sender: "", recipient: "us=er\"x\\y",
            mailboxes: ["alice/Lists/swift", "bob"], size: 1234, status: .delivered,
            reply: ["550-5.1.1 first", "550 5.1.1\tsecond\u{1}"], delay: 1.0005)
        #expect(line.text == #"session=s-1 msgid="<a b@x>" from=<> rcpt="<us=er\"x\\y>" mailbox=alice/Lists/swift,bob size=1234 status=delivered reply="550-5.1.1 first\n550 5.1.1\tsecond\x01" delay=1.001"#)
    }

    @Test("a recipient refused at RCPT has no msgid, size or delay")
    func atRecipient() {
        let line = DeliveryLogLine(session: "s", messageID: nil, sender: "a@b", recipient: "nobody", mailboxes: ["nobody"],
                                   size: nil, status: .unknownUser, reply: ["550 5.1.1 User unknown"], delay: nil)
        #expect(line.text == #"session=s msgid=- from=<a@b> rcpt=<nobody> mailbox=nobody size=- status=unknown_user reply="550 5.1.1 User unknown" delay=-"#)
    }

    @Test("delays are seconds with milliseconds")
    func delays() {
        #expect(DeliveryLogLine.seconds(0) == "0.000")
        #expect(DeliveryLogLine.seconds(0.0424) == "0.042")
        #expect(DeliveryLogLine.seconds(12.5) == "12.500")
        #expect(DeliveryLogLine.seconds(-1) == "0.000")
    }

    @Test("each failure has its status")
    func statuses() {
        #expect(DeliveryFailure.mailboxUnknown.status == .unknownUser)
        #expect(DeliveryFailure.overQuota(permanent: true).status == .overQuota)
        #expect(DeliveryFailure.rejected("no").status == .rejected)
        #expect(DeliveryFailure.permissionDenied.status == .rejected)
        #expect(DeliveryFailure.storageFull.status == .temporaryFailure)
        #expect(DeliveryFailure.temporary("x").status == .temporaryFailure)
    }
}
