import Foundation
import Glibc

/// journald's native socket, played by the test where no journald runs: a datagram socket at
/// `/run/systemd/journal/socket` (where sd_journal_sendv(3) always sends) that records the
/// entries, each a dictionary of fields. `claim()` gives nil when a real journald (or another
/// test) owns the path, or when it cannot be created (not root).
final class SystemdFakeJournal {
    static let path = "/run/systemd/journal/socket"

    private var recorder: SystemdDatagramRecorder?
    private let createdDirectory: String?

    static func claim() -> SystemdFakeJournal? {
        let directory = "/run/systemd/journal"
        var createdDirectory: String?
        var info = stat()
        if stat(directory, &info) != 0 {
            guard mkdir(directory, 0o755) == 0 else { return nil }
            createdDirectory = directory
        }
        if stat(path, &info) == 0 {
            // A socket someone answers on is theirs; a stale one is removed.
            if answers(path) { return nil }
            unlink(path)
        }
        guard let recorder = try? SystemdDatagramRecorder(path: path) else {
            if let createdDirectory { rmdir(createdDirectory) }
            return nil
        }
        // As journald's: anyone may log (minimaster and lmtpd run as the service user).
        chmod(path, 0o666)
        return SystemdFakeJournal(recorder: recorder, createdDirectory: createdDirectory)
    }

    private init(recorder: SystemdDatagramRecorder, createdDirectory: String?) {
        self.recorder = recorder
        self.createdDirectory = createdDirectory
    }

    deinit {
        recorder = nil   // closes and removes the socket first
        if let createdDirectory { rmdir(createdDirectory) }
    }

    /// Every entry so far, each a dictionary of fields.
    var entries: [[String: String]] { recorder?.datagrams.map { Self.parse($0.bytes) } ?? [] }

    /// The native protocol: `KEY=value\n`, or `KEY\n` + 64-bit little-endian length + value +
    /// `\n` for values with newlines.
    static func parse(_ bytes: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: 0x0A) else { break }
            let line = bytes[index..<newline]
            if let equals = line.firstIndex(of: UInt8(ascii: "=")) {
                fields[String(decoding: bytes[index..<equals], as: UTF8.self)] = String(decoding: bytes[(equals + 1)..<newline], as: UTF8.self)
                index = newline + 1
            } else {
                let key = String(decoding: line, as: UTF8.self)
                guard newline + 9 <= bytes.count else { break }
                let length = bytes[(newline + 1)..<(newline + 9)].reversed().reduce(0) { $0 << 8 | Int($1) }
                let start = newline + 9
                guard start + length <= bytes.count else { break }
                fields[key] = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
                index = start + length + 1
            }
        }
        return fields
    }
}

extension SystemdFakeJournal {
    /// Whether a datagram socket answers at `path` (connect succeeds).
    static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }
}
