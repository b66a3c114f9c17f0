import Glibc
@testable import MailLogging
import Testing

@Suite("journal logging: JOURNAL_STREAM and field names")
struct JournalLoggingTests {
    @Test("a JOURNAL_STREAM value names a descriptor by its device and inode")
    func journalStream() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var info = stat()
        #expect(fstat(fds[1], &info) == 0)
        let value = "\(info.st_dev):\(info.st_ino)"
        #expect(JournalStream.isJournal(fd: fds[1], journalStream: value))
        #expect(!JournalStream.isJournal(fd: fds[1], journalStream: "\(info.st_dev):\(info.st_ino + 1)"))
        #expect(!JournalStream.isJournal(fd: fds[1], journalStream: "garbage"))
        #expect(!JournalStream.isJournal(fd: fds[1], journalStream: "\(info.st_dev):"))
        #expect(!JournalStream.isJournal(fd: -1, journalStream: value))
    }

    @Test("the journal alone under systemd; syslog, plus stderr in the foreground, otherwise")
    func destinations() {
        #expect(MailLog.destinations(alsoStandardError: true, standardErrorIsJournal: true) == .journal)
        #expect(MailLog.destinations(alsoStandardError: false, standardErrorIsJournal: true) == .journal)
        #expect(MailLog.destinations(alsoStandardError: true, standardErrorIsJournal: false) == [.syslog, .stderr])
        #expect(MailLog.destinations(alsoStandardError: false, standardErrorIsJournal: false) == .syslog)
    }

    @Test("metadata keys become journal fields; the journal's own names are not taken over")
    func fieldNames() {
        #expect(JournalLogHandler.fieldName("session") == "SESSION")
        #expect(JournalLogHandler.fieldName("reply-code") == "REPLY_CODE")
        #expect(JournalLogHandler.fieldName("_secret") == "SECRET")
        #expect(JournalLogHandler.fieldName("2fa") == "FA")
        #expect(JournalLogHandler.fieldName("message-id") == "MAIL_MESSAGE_ID")
        #expect(JournalLogHandler.fieldName("priority") == "MAIL_PRIORITY")
        #expect(JournalLogHandler.fieldName("é") == "")
    }

    @Test("the native protocol: KEY=value lines, and a value with a newline as KEY, its 64-bit little-endian length, the bytes")
    func nativeProtocol() {
        let datagram = JournalSocket.encode([("MESSAGE", "Delivered: <a@b>"), ("SESSION", "two\nlines"), ("EMPTY", "")])
        var expected = Array("MESSAGE=Delivered: <a@b>\nSESSION\n".utf8)
        expected += [9, 0, 0, 0, 0, 0, 0, 0]
        expected += Array("two\nlines\nEMPTY=\n".utf8)
        #expect(datagram == expected)
    }
}
