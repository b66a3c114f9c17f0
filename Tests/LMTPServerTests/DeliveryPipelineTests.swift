import Foundation
import Glibc
import LMTP
import Logging
import Mailstore
import Testing
@testable import LMTPServer

/// The delivery pipeline (filter → place → dedupe → quota → store → record) over a real
/// Maildir store, with a filter scripted per recipient: what each user's plan asks for is what
/// lands in that user's Maildir, and only there.
@Suite("delivery pipeline: per-recipient plans over one spooled file")
struct DeliveryPipelineTests {
    @Test("without a filter every recipient keeps the message in its INBOX, one file hard-linked")
    func keep() throws {
        let bed = try PipelineBed()
        let results = try bed.deliver(to: ["alice", "bob"])
        #expect(results.allSatisfy { $0.isSuccess })
        let alice = try #require(bed.files("alice", "new").first), bob = try #require(bed.files("bob", "new").first)
        #expect(inode(bed.path("alice", "new", alice)) == inode(bed.path("bob", "new", bob)))
    }

    @Test("each recipient's plan is its own: a flagged copy in a created folder for alice, the INBOX for bob")
    func perRecipientPlans() throws {
        let bed = try PipelineBed()
        let work = try #require(try FolderName.parse("Work", separator: .slash))
        bed.filter.plans["alice"] = DeliveryPlan(copies: [.init(placement: .folder(work, create: true),
                                                                 flags: MessageFlags(system: [.seen, .flagged]))], refusal: nil)
        let results = try bed.deliver(to: ["alice", "bob"])
        #expect(results.allSatisfy { $0.isSuccess })
        #expect(bed.files("alice", "new").isEmpty)
        let filed = try #require(bed.files("alice", ".Work/cur").first)
        #expect(filed.hasSuffix(":2,FS"))
        #expect(bed.files("bob", "new").count == 1)
        #expect(bed.files("bob", ".Work/cur").isEmpty && !FileManager.default.fileExists(atPath: bed.path("bob", ".Work")))
        #expect(bed.filter.asked == ["alice", "bob"], "the filter ran once per recipient")
    }

    @Test("discard stores nothing and still succeeds; a refusal fails that recipient alone")
    func discardAndRefusal() throws {
        let bed = try PipelineBed(users: ["alice", "bob", "carol"])
        bed.filter.plans["alice"] = DeliveryPlan(copies: [], refusal: nil)
        bed.filter.plans["bob"] = DeliveryPlan(copies: [], refusal: .permissionDenied)
        let results = try bed.deliver(to: ["alice", "bob", "carol"])
        #expect(results[0] == .success(DeliveryReceipt(status: .discarded, mailboxes: [])))
        #expect(results[2] == .success(.delivered(["carol"])))
        #expect(results[1].failure == .permissionDenied)
        #expect(bed.files("alice", "new").isEmpty && bed.files("bob", "new").isEmpty)
        #expect(bed.files("carol", "new").count == 1)
    }

    @Test("two copies for one recipient (a folder and the INBOX) are two files; a missing folder without create fails it")
    func copiesAndMissingFolder() throws {
        let bed = try PipelineBed()
        let lists = try #require(try FolderName.parse("Lists", separator: .slash))
        bed.filter.plans["alice"] = DeliveryPlan(copies: [.init(placement: .folder(lists, create: true)), .init(placement: .inbox)],
                                                 refusal: nil)
        bed.filter.plans["bob"] = DeliveryPlan(copies: [.init(placement: .folder(lists, create: false))], refusal: nil)
        let results = try bed.deliver(to: ["alice", "bob"])
        #expect(results[0].isSuccess)
        #expect(results[1].failure == .mailboxUnknown)
        #expect(bed.files("alice", ".Lists/new").count == 1 && bed.files("alice", "new").count == 1)
        #expect(bed.files("bob", "new").isEmpty)
    }

    @Test("duplicate suppression per target: the same message again stores nothing new, still 250")
    func duplicatesPerTarget() throws {
        let bed = try PipelineBed(duplicates: true)
        let work = try #require(try FolderName.parse("Work", separator: .slash))
        bed.filter.plans["alice"] = DeliveryPlan(copies: [.init(placement: .folder(work, create: true), flags: MessageFlags(system: [.seen])),
                                                          .init(placement: .folder(work, create: true))], refusal: nil)
        #expect(try bed.deliver(to: ["alice"], messageID: "<same@example.org>") == [.success(.delivered(["alice/Work"]))])
        #expect(try bed.deliver(to: ["alice"], messageID: "<same@example.org>")
                == [.success(DeliveryReceipt(status: .duplicate, mailboxes: ["alice/Work"]))])
        #expect(bed.files("alice", ".Work/cur").count + bed.files("alice", ".Work/new").count == 2,
                "the first delivery stored both copies, the second none")
    }
}

extension DeliveryPipelineTests {
    @Test("a plan's messages are sent after its copies are stored; one the MTA refuses makes that recipient 451")
    func outgoing() throws {
        let bed = try PipelineBed(users: ["alice", "bob"], duplicates: true)
        let away = OutgoingMessage(sender: "", recipients: ["s@example.org"], bytes: Array("Subject: away\n\nx\n".utf8))
        let refused = OutgoingMessage(sender: "s@example.org", recipients: ["refuse@example.net"], bytes: [])
        bed.filter.plans["alice"] = DeliveryPlan(copies: [.init(placement: .addressed)], refusal: nil, outgoing: [away],
                                                 tracking: [TrackingRecord(key: "vacation:alice", expires: Int.max / 2)])
        bed.filter.plans["bob"] = DeliveryPlan(copies: [], refusal: nil, outgoing: [refused],
                                               tracking: [TrackingRecord(key: "redirect:bob", expires: Int.max / 2)])
        let results = try bed.deliver(to: ["alice", "bob"])
        #expect(results[0].isSuccess)
        #expect(results[1].failure == .temporary("Cannot send mail"))
        #expect(bed.submitter.sent == [away])
        #expect(bed.files("alice", "new").count == 1)
        let logger = Logger(label: "test")
        #expect(bed.duplicates?.isTracked("vacation:alice", logger: logger) == true)
        #expect(bed.duplicates?.isTracked("redirect:bob", logger: logger) == false, "a failed recipient records nothing")
    }
}

/// Takes every message except those to `refuse@example.net`.
final class RecordingSubmitter: MailSubmitter, @unchecked Sendable {
    private(set) var sent: [OutgoingMessage] = []

    func submit(_ message: OutgoingMessage) -> Result<Void, SubmissionFailure> {
        if message.recipients.contains("refuse@example.net") { return .failure(SubmissionFailure(description: "550 no")) }
        sent.append(message)
        return .success(())
    }
}

/// A Maildir partition with users, and the pipeline with a scripted filter.
final class PipelineBed {
    let root: String
    let store: Mailstore
    let filter = ScriptedFilter()
    let submitter = RecordingSubmitter()
    let duplicates: DuplicateFilter?
    private var serial = 0

    init(users: [String] = ["alice", "bob"], duplicates: Bool = false) throws {
        var template = Array("/var/tmp/pipeline-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        root = String(cString: made)
        store = Mailstore(config: MailstoreConfig(partitionRoot: root, hostname: "test.example"))
        for user in users { try store.createMailbox(try #require(MailboxAddress.validated(user: user, domain: nil))) }
        self.duplicates = duplicates ? DuplicateFilter(path: root + "/deliver.db", maximumAge: 0) : nil
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Spools a small message in the first recipient's Maildir and runs the pipeline.
    func deliver(to users: [String], messageID: String? = nil) throws -> [Result<DeliveryReceipt, DeliveryFailure>] {
        let logger = Logger(label: "test")
        let addressing = RecipientAddressing(virtualDomains: false, defaultDomain: nil)
        var policy = DeliveryPolicy()
        policy.duplicates = duplicates
        let resolver = MailboxResolver(store: store, addressing: addressing, policy: policy, logger: logger)
        var accepted: [AcceptedRecipient<Destination>] = []
        for user in users {
            let recipient = Recipient(address: user, user: user, detail: nil, domain: nil, ignoreQuota: false)
            accepted.append(AcceptedRecipient(recipient, resolved: try resolver.destination(for: recipient, create: false).get()))
        }
        let spool = try store.openSpool(in: accepted[0].resolved.mailbox)
        serial += 1
        let bytes = Array("Subject: pipeline \(serial)\n\nbody\n".utf8)
        try bytes.withUnsafeBytes { raw in try spool.write(raw) }
        var delivery = MessageDelivery(store: store, resolver: resolver,
                                       quota: QuotaPolicy(store: store, strict: false, permanent: false, logger: logger),
                                       duplicates: duplicates, logger: logger)
        delivery.filter = filter
        delivery.submitter = submitter
        delivery.tracking = duplicates
        let envelope = Envelope(sender: "s@example.org", authorizedIdentity: nil, sessionID: "test", messageID: messageID, date: nil)
        var deferred = DeferredRecords()
        let results = delivery.run(spool, envelope: envelope, to: accepted, deferring: &deferred)
        deferred.write(duplicates: duplicates, tracker: duplicates, logger: logger)
        return results
    }

    func path(_ user: String, _ parts: String...) -> String { ([root, user] + parts).joined(separator: "/") }

    func files(_ user: String, _ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + user + "/" + sub)) ?? []).sorted()
    }
}

/// Plans by user; users without one keep the message.
final class ScriptedFilter: DeliveryFilter {
    var plans: [String: DeliveryPlan] = [:]
    private(set) var asked: [String] = []

    func plan(for recipient: AcceptedRecipient<Destination>, envelope: Envelope, message: SpooledMessage) -> DeliveryPlan {
        asked.append(recipient.recipient.user)
        return plans[recipient.recipient.user] ?? .keep
    }
}

private func inode(_ path: String) -> ino_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_ino : nil
}

extension Result where Success == DeliveryReceipt, Failure == DeliveryFailure {
    var isSuccess: Bool { if case .success = self { true } else { false } }
    var failure: DeliveryFailure? { if case .failure(let failure) = self { failure } else { nil } }
}
