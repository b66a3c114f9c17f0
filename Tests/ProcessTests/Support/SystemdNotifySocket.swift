import Foundation
import Glibc

/// systemd's side of sd_notify, played by the test: a unix datagram socket (`NOTIFY_SOCKET`)
/// that records every message minimaster sends, with its arrival time.
final class SystemdNotifySocket: Sendable {
    /// One datagram: its `KEY=value` lines.
    struct Message: CustomStringConvertible {
        /// Monotonic seconds at arrival.
        let time: Double
        let text: String

        /// The value of `key`, if the message sets it.
        subscript(key: String) -> String? {
            for line in text.split(separator: "\n") where line.hasPrefix(key + "=") {
                return String(line.dropFirst(key.count + 1))
            }
            return nil
        }

        var description: String { text.replacingOccurrences(of: "\n", with: " | ") }
    }

    private let recorder: SystemdDatagramRecorder
    var path: String { recorder.path }

    init(path: String) throws {
        unlink(path)
        recorder = try SystemdDatagramRecorder(path: path)
    }

    /// Everything received so far, in order.
    var messages: [Message] {
        recorder.datagrams.map { Message(time: $0.time, text: String(decoding: $0.bytes, as: UTF8.self)) }
    }

    /// The first message (from index `from` on) that satisfies `predicate`, waiting up to
    /// `timeout` seconds for it.
    func first(from: Int = 0, timeout: Double = 20, where predicate: (Message) -> Bool) -> (index: Int, message: Message)? {
        var found: (Int, Message)?
        _ = waitUntil(timeout: timeout) {
            let all = messages
            guard from < all.count else { return false }
            if let index = all[from...].firstIndex(where: predicate) { found = (index, all[index]) }
            return found != nil
        }
        return found
    }

    /// The first message from index `from` on that sets `key` (to `value`, when given).
    func first(_ key: String, _ value: String? = nil, from: Int = 0, timeout: Double = 20) -> (index: Int, message: Message)? {
        first(from: from, timeout: timeout) { message in
            guard let actual = message[key] else { return false }
            return value == nil || actual == value
        }
    }
}
