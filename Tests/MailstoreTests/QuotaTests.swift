import Foundation
import Glibc
import Testing
@testable import Mailstore

/// Writes `text` to `path` and sets its modification time `age` seconds back.
func writeFile(_ path: String, _ text: String, age: Int = 0) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    if age > 0 {
        let then = time(nil) - age
        var times = [timespec(tv_sec: then, tv_nsec: 0), timespec(tv_sec: then, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }
}

/// Puts a message file of `size` bytes named with `,S=` into `directory`.
func dropMessage(_ directory: String, size: Int, named name: String? = nil) throws {
    let file = name ?? "\(UUID().uuidString).host,S=\(size)"
    #expect(FileManager.default.createFile(atPath: directory + "/" + file, contents: Data(count: size)))
}

@Suite("Maildir++ quota: the maildirsize file")
struct MaildirSizeTests {
    @Test("limits and usage lines are summed, deliveries and expunges alike")
    func parse() throws {
        let parsed = try #require(MaildirSize.parse(Array("1000S,10C\n100 1\n-50 -1\n  7\t1\n".utf8)))
        #expect(parsed.limits == QuotaLimits(bytes: 1000, messages: 10))
        #expect(parsed.usage == QuotaUsage(bytes: 57, messages: 1))
        #expect(parsed.usageLines == 3)
    }

    @Test("a last line without newline is not counted (a writer may be half-way)")
    func partialLine() throws {
        #expect(MaildirSize.parse(Array("1000S\n100 1\n200".utf8))?.usage == QuotaUsage(bytes: 100, messages: 1))
    }

    @Test("files that cannot be trusted parse as nil", arguments: [
        "", "1000S", "1000S\nxx 1\n", "1000S\n\n5 1\n", "1000S\n5\n", "1000S\n-5 -1\n", "1000S\n5 1\u{0}\n",
    ])
    func untrusted(text: String) {
        #expect(MaildirSize.parse(Array(text.utf8)) == nil)
    }

    @Test("quota definitions as Maildir++ writes them", arguments: [
        ("0S", QuotaLimits()), ("100C", QuotaLimits(messages: 100)), ("junk,5S", QuotaLimits(bytes: 5)),
        ("1024S,10C", QuotaLimits(bytes: 1024, messages: 10)), ("", QuotaLimits()),
    ])
    func definitions(text: String, limits: QuotaLimits) {
        #expect(QuotaLimits.parse(definition: Substring(text)) == limits)
    }

    @Test("limits are written as Dovecot writes them")
    func definitionText() {
        #expect(QuotaLimits(bytes: 1024).definition == "1024S")
        #expect(QuotaLimits(messages: 10).definition == "10C")
        #expect(QuotaLimits(bytes: 1024, messages: 10).definition == "1024S,10C")
        #expect(QuotaLimits().definition == "0S")
    }

    @Test("over quota means strictly above a limit: at the limit is still within")
    func edges() {
        let limits = QuotaLimits(bytes: 1000, messages: 3)
        #expect(!QuotaUsage(bytes: 1000, messages: 3).exceeds(limits))
        #expect(QuotaUsage(bytes: 1001, messages: 0).exceeds(limits))
        #expect(QuotaUsage(bytes: 0, messages: 4).exceeds(limits))
        #expect(!QuotaUsage(bytes: 1 << 40, messages: 1 << 20).exceeds(QuotaLimits()))
    }

    @Test("an over-quota file is recounted when it has several lines or is 15 minutes old")
    func recalculationRule() {
        let limits = QuotaLimits(bytes: 1000)
        let within = MaildirSize(limits: limits, usage: QuotaUsage(bytes: 1000, messages: 1), usageLines: 9)
        #expect(!within.needsRecalculation(fileAge: 100_000))
        let over = MaildirSize(limits: limits, usage: QuotaUsage(bytes: 1001, messages: 1), usageLines: 1)
        #expect(!over.needsRecalculation(fileAge: 900))
        #expect(over.needsRecalculation(fileAge: 901))
        var twoLines = over
        twoLines.usageLines = 2
        #expect(twoLines.needsRecalculation(fileAge: 0))
    }
}

@Suite("Maildir++ quota in the store")
struct QuotaStoreTests {
    @Test("no maildirsize means no quota; appending to it then does nothing")
    func noFile() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        #expect(try store.quota(of: alice) == nil)
        try store.recordQuotaUsage(of: alice, bytes: 10, messages: 1)
        #expect(scratch.list(scratch.root + "/alice") == ["cur", "new", "tmp"])
    }

    @Test("a trusted file is read as it is, one byte under and at the limit")
    func trusted() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let file = scratch.root + "/alice/maildirsize"
        for used in [999, 1000] {
            try writeFile(file, "1000S\n\(used) 1\n")
            let status = try #require(try store.quota(of: alice))
            #expect(status == QuotaStatus(limits: QuotaLimits(bytes: 1000), usage: QuotaUsage(bytes: used, messages: 1)))
            #expect(!status.usage.exceeds(status.limits))
        }
        try writeFile(file, "1000S\n1001 1\n")
        #expect(try store.quota(of: alice)?.usage.exceeds(QuotaLimits(bytes: 1000)) == true)
    }

    @Test("recounting sums new/ and cur/ of the INBOX and every folder, by S= or by stat")
    func recount() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice, folders: [try folder("Lists"), try folder("Trash")], quota: nil)
        let root = scratch.root + "/alice"
        try dropMessage(root + "/new", size: 100)
        try dropMessage(root + "/cur", size: 200, named: "1.M1P1.host,S=200:2,S")
        try dropMessage(root + "/.Lists/new", size: 300)
        try dropMessage(root + "/.Trash/cur", size: 40, named: "no-size-field:2,")
        try dropMessage(root + "/tmp", size: 5000)
        let usage = try store.setQuota(of: alice, limits: QuotaLimits(bytes: 10_000, messages: 100))
        #expect(usage == QuotaUsage(bytes: 640, messages: 4))
        #expect(contents(root + "/maildirsize").map { String(decoding: $0, as: UTF8.self) } == "10000S,100C\n640 4\n")
    }

    @Test("an over-quota file with several lines is recounted from the folders and rewritten")
    func overQuotaManyLines() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let root = scratch.root + "/alice"
        try dropMessage(root + "/new", size: 700)
        try writeFile(root + "/maildirsize", "1000S\n700 1\n900 1\n")
        let status = try #require(try store.quota(of: alice))
        #expect(status.recalculated)
        #expect(status.usage == QuotaUsage(bytes: 700, messages: 1))
        #expect(contents(root + "/maildirsize").map { String(decoding: $0, as: UTF8.self) } == "1000S\n700 1\n")
    }

    @Test("a stale over-quota file (older than 15 minutes) is recounted; a fresh one is trusted")
    func stale() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let file = scratch.root + "/alice/maildirsize"
        try writeFile(file, "1000S\n5000 3\n", age: 14 * 60)
        #expect(try store.quota(of: alice)?.usage == QuotaUsage(bytes: 5000, messages: 3))
        try writeFile(file, "1000S\n5000 3\n", age: 16 * 60)
        let status = try #require(try store.quota(of: alice))
        #expect(status.recalculated)
        #expect(status.usage == QuotaUsage())
        #expect(status.limits == QuotaLimits(bytes: 1000))
    }

    @Test("a file of 5120 bytes or more is recounted; 5119 bytes is read")
    func oversized() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let file = scratch.root + "/alice/maildirsize"
        let lines = String(repeating: "10 1\n", count: 1022)
        try writeFile(file, "1000000S\n" + lines)
        #expect(try store.quota(of: alice) == QuotaStatus(limits: QuotaLimits(bytes: 1_000_000), usage: QuotaUsage(bytes: 10_220, messages: 1022)))
        try writeFile(file, "10000000S\n" + lines)
        let status = try #require(try store.quota(of: alice))
        #expect(status.recalculated && status.usage == QuotaUsage())
        #expect(contents(file).map { String(decoding: $0, as: UTF8.self) } == "10000000S\n0 0\n")
    }

    @Test("a broken usage line is recounted, keeping the limits of the first line")
    func broken() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        try dropMessage(scratch.root + "/alice/new", size: 42)
        try writeFile(scratch.root + "/alice/maildirsize", "2048S,5C\ngarbage\n")
        #expect(try store.quota(of: alice) == QuotaStatus(limits: QuotaLimits(bytes: 2048, messages: 5), usage: QuotaUsage(bytes: 42, messages: 1), recalculated: true))
    }

    @Test("usage lines appended from many threads at once are all whole")
    func concurrentAppends() async throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        try writeFile(scratch.root + "/alice/maildirsize", "100000000S\n0 0\n")
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for _ in 0..<100 { try? store.recordQuotaUsage(of: alice, bytes: 1000 + worker, messages: 1) }
                }
            }
        }
        let text = try #require(contents(scratch.root + "/alice/maildirsize")).map { Character(Unicode.Scalar($0)) }
        let lines = String(text).split(separator: "\n")
        #expect(lines.count == 802)
        let parsed = try #require(MaildirSize.parse(Array(String(text).utf8)))
        #expect(parsed.usage == QuotaUsage(bytes: 100 * (8 * 1000 + 28), messages: 800))
    }
}
