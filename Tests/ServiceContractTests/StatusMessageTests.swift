import Testing
import ServiceContract

@Suite("status messages on the wire")
struct StatusMessageTests {
    @Test("8 bytes, code then pid, host byte order, as Debian's lmtpd writes them")
    func layout() {
        // strace of Debian's lmtpd (pid 0x4cba) after accept: 02 00 00 00 ba 4c 00 00
        #expect(StatusMessage(code: .unavailable, pid: 0x4cba).bytes == [2, 0, 0, 0, 0xba, 0x4c, 0, 0])
        #expect(StatusMessage(code: .available, pid: 1).bytes == [1, 0, 0, 0, 1, 0, 0, 0])
    }

    @Test("decoding round-trips and refuses wrong sizes")
    func decoding() {
        let message = StatusMessage(code: .connection, pid: 123_456)
        #expect(StatusMessage(bytes: message.bytes) == message)
        #expect(StatusMessage(bytes: message.bytes)?.knownCode == .connection)
        #expect(StatusMessage(bytes: [1, 0, 0, 0]) == nil)
        #expect(StatusMessage(bytes: [9, 0, 0, 0, 1, 0, 0, 0])?.knownCode == nil)
    }
}
