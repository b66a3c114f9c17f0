import Glibc
import POSIXCore

/// One echo session on a connected socket: a greeting, then one reply per line.
///
/// `QUIT` → `221 bye` and the end; `ENV` → the contract variables; `FDS` → the descriptors
/// the process had when it started (to check master leaked none); `SLEEP ms` → waits, then
/// `250 slept`; anything else is sent back as it came. End of input ends the session.
struct EchoSession {
    let fd: Int32
    let greeting: String
    let startDescriptors: [Int32]

    func run() {
        guard send(greeting + "\r\n") else { return }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                if !answer(String(decoding: line, as: UTF8.self)) { return }
            }
        }
    }

    /// Replies to one line; false when the session ends.
    private func answer(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        switch words.first.map({ $0.uppercased() }) {
        case "QUIT":
            _ = send("221 bye\r\n")
            return false
        case "ENV":
            let service = getenv("CYRUS_SERVICE").map { String(cString: $0) } ?? "-"
            let id = getenv("CYRUS_ID").map { String(cString: $0) } ?? "-"
            return send("250 CYRUS_SERVICE=\(service) CYRUS_ID=\(id) pid=\(getpid())\r\n")
        case "FDS":
            return send("250 " + startDescriptors.map(String.init).joined(separator: " ") + "\r\n")
        case "SLEEP":
            let ms = words.count > 1 ? Int(words[1]) ?? 0 : 0
            usleep(UInt32(max(0, min(ms, 60_000)) * 1000))
            return send("250 slept\r\n")
        default:
            return send(line + "\r\n")
        }
    }

    private func send(_ text: String) -> Bool {
        (try? writeAll(fd, text)) == text.utf8.count
    }
}
