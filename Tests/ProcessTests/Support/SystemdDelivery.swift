import Foundation
import Glibc
import POSIXCore

/// An MTA's view of one LMTP delivery: a whole session per message, a `4xx` (lmtpd's `421`
/// when its process is asked to stop mid-session) means "try again later", anything else that
/// is not `250` after the final dot is a failure.
enum SystemdDelivery {
    enum Outcome: Equatable {
        case delivered
        /// A 4xx reply before the message was accepted: the MTA retries it.
        case deferred(String)
        /// Refused connection, no greeting, a lost connection or an unexpected reply.
        case failed(String)
    }

    /// One session delivering a message with `subject` to `user`.
    static func attempt(_ target: MasterTarget, subject: String, to user: String = "alice", timeout: Double = 15) -> Outcome {
        let client: MasterClient
        switch MasterClient.connect(target) {
        case .success(let connected): client = connected
        case .failure(let error): return .failed("connect to \(target): \(error.code)")
        }
        guard let greeting = client.readReply(timeout: timeout) else { return .failed("no greeting") }
        if let verdict = judge(greeting, expect: "220", step: "greeting") { return verdict }
        let steps: [(String, String)] = [
            ("LHLO systemd-test", "250"), ("MAIL FROM:<mta@example.org>", "250"), ("RCPT TO:<\(user)>", "250"),
            ("DATA", "354"), ("Subject: \(subject)\r\n\r\n\(subject)\r\n.", "250"),
        ]
        for (command, expected) in steps {
            guard client.send(command + "\r\n") else {
                // The server may have said why before it closed (lmtpd's 421 when it stops).
                if let reply = client.readReply(timeout: 1), reply.hasPrefix("4") { return .deferred(reply) }
                return .failed("connection lost sending \(command.prefix(12))")
            }
            guard let reply = client.readReply(timeout: timeout) else { return .failed("no reply to \(command.prefix(12))") }
            if let verdict = judge(reply, expect: expected, step: String(command.prefix(12))) { return verdict }
        }
        client.send("QUIT\r\n")
        _ = client.readReply(timeout: 2)
        return .delivered
    }

    /// Delivers one message, retrying deferrals (at most `attempts` sessions). Returns the last
    /// outcome and the number of deferrals; `session` hears of each session's monotonic start
    /// and end.
    static func deliver(_ target: MasterTarget, subject: String, to user: String = "alice", attempts: Int = 5,
                        session: (_ start: Double, _ end: Double) -> Void = { _, _ in }) -> (outcome: Outcome, deferrals: Int) {
        var deferrals = 0
        for _ in 0..<attempts {
            let start = MonotonicClock.now()
            let outcome = attempt(target, subject: subject, to: user)
            session(start, MonotonicClock.now())
            guard case .deferred = outcome else { return (outcome, deferrals) }
            deferrals += 1
            usleep(100_000)
        }
        return (.failed("still deferred after \(attempts) sessions"), deferrals)
    }

    private static func judge(_ reply: String, expect: String, step: String) -> Outcome? {
        if reply.hasPrefix(expect) { return nil }
        if reply.hasPrefix("4") { return .deferred(reply) }
        return .failed("\(step): \(reply)")
    }
}

/// Client threads delivering messages back to back (each retried until accepted) until
/// stopped; every session is timed, so a test can tell which ones waited while no minimaster
/// was running.
final class SystemdDeliveryLoad: @unchecked Sendable {
    struct Tally {
        var delivered: [String] = []
        var deferrals = 0
        var failures: [String] = []
        /// Monotonic start and end of every session.
        var sessions: [(start: Double, end: Double)] = []
    }

    private let lock = NSLock()
    private var tally = Tally()
    private var running = true
    private let done = DispatchSemaphore(value: 0)
    private let threads: Int

    init(_ target: MasterTarget, threads: Int, to user: String = "alice") {
        self.threads = threads
        for thread in 0..<threads {
            let worker = Thread { [self] in
                var sequence = 0
                while lock.withLock({ running }) {
                    sequence += 1
                    let subject = "load \(thread)-\(sequence)"
                    let (outcome, deferrals) = SystemdDelivery.deliver(target, subject: subject, to: user) { start, end in
                        lock.withLock { tally.sessions.append((start, end)) }
                    }
                    lock.withLock {
                        tally.deferrals += deferrals
                        if outcome == .delivered { tally.delivered.append(subject) } else { tally.failures.append("\(subject): \(outcome)") }
                    }
                }
                done.signal()
            }
            worker.start()
        }
    }

    /// Stops after the deliveries in progress; what happened.
    func stop() -> Tally {
        lock.withLock { running = false }
        for _ in 0..<threads { done.wait() }
        return lock.withLock { tally }
    }
}
