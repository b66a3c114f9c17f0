import Foundation
import Glibc

/// Postfix's load generator `smtp-source` (Debian's postfix package), sending over SMTP to a
/// private Postfix on 127.0.0.1. Each message carries `From:`, `To:`, `Date:` and a
/// `Message-Id: <pid.fd.count@host>` that no other message of the run (nor of another run, by
/// its pid) has, then a few lines of text.
enum SMTPSource {
    static let path = "/usr/sbin/smtp-source"

    static var isInstalled: Bool { access(path, X_OK) == 0 }

    /// Sends `messages` messages from `sender` to `recipient` through `sessions` parallel SMTP
    /// sessions that each stay connected (`-d`) to `127.0.0.1:port`. Returns once Postfix has
    /// queued them all (smtp-source ends with a non-zero status on any refusal).
    @discardableResult
    static func send(port: UInt16, from sender: String, to recipient: String, messages: Int, sessions: Int,
                     subject: String? = nil, timeout: Double = 120) throws -> (status: Int32, output: String) {
        var arguments = ["-d", "-s", "\(sessions)", "-m", "\(messages)", "-f", sender, "-t", recipient]
        if let subject { arguments += ["-S", subject] }
        return try runTool(path, arguments + ["127.0.0.1:\(port)"], timeout: timeout)
    }
}

/// Reading a private Postfix's maillog in bulk: counts of delivery outcomes, polled sparingly
/// (the log of a thousand deliveries is large; a 10 ms poll would compete with them).
extension PostfixInstance {
    /// The outcome lines with `status=<status>` (`sent`, `deferred`, `bounced`), in log order.
    func outcomeLines(_ status: String) -> [String] {
        maillog.split(separator: "\n").filter { $0.contains(" status=\(status) ") }.map(String.init)
    }

    /// Waits (polling every 100 ms, at most `timeout` seconds) until at least `count` lines say
    /// `status=<status>`, or the queue has been empty for two seconds (every message is done,
    /// bounced ones included: no more lines will come); returns those logged by then. Call it
    /// once all the awaited messages are queued.
    @discardableResult
    func waitForOutcomeLines(_ status: String, count: Int, timeout: Double = 120) -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var emptySince: Date?
        while Date() < end {
            if outcomeLines(status).count >= count { break }
            if queued.isEmpty {
                // The delivery agents log before the queue manager removes a queue file;
                // postlogd may write the last lines a moment later.
                if let emptySince, Date().timeIntervalSince(emptySince) > 2 { break }
                emptySince = emptySince ?? Date()
            } else {
                emptySince = nil
            }
            usleep(100_000)
        }
        return outcomeLines(status)
    }

    /// The queue id of an outcome line (`... postfix/lmtp[42]: 4Qx1yZ2abc: to=<...>`).
    static func queueID(of line: String) -> String? {
        guard let to = line.range(of: ": to=<") else { return nil }
        let head = line[..<to.lowerBound]
        guard let colon = head.range(of: "]: ", options: .backwards) else { return nil }
        return String(head[colon.upperBound...])
    }
}

extension MailTestbed {
    /// The `Message-Id:` (any case) of each delivered message of `user`, in file-name order;
    /// an empty string for a message without one.
    func messageIDs(_ user: String) -> [String] {
        messages(user).map { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let header = text.components(separatedBy: "\n\n").first ?? ""
            let line = header.split(separator: "\n").first { $0.lowercased().hasPrefix("message-id:") }
            return line.map { String($0.dropFirst("message-id:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        }
    }
}
