/// Keeps `STATUS=` current without flooding the service manager: a line is sent when it
/// differs from the last one sent, at most once per ``minimumInterval``; a change that comes
/// sooner waits (``wakeAt`` tells the loop when to offer it again).
public struct StatusThrottle: Sendable {
    /// Seconds between two updates (0.25: at most four a second).
    public let minimumInterval: Double
    /// The line last sent.
    public private(set) var lastSent: String?
    private var lastSentAt = -Double.infinity
    private var waiting = false

    public init(minimumInterval: Double = 0.25) {
        self.minimumInterval = minimumInterval
    }

    /// Offers the current line at monotonic time `now`; returns it when it must be sent now
    /// (and records it as sent), nil when it is unchanged or must wait.
    public mutating func offer(_ line: String, now: Double) -> String? {
        guard line != lastSent else {
            waiting = false
            return nil
        }
        guard now - lastSentAt >= minimumInterval else {
            waiting = true
            return nil
        }
        record(line, now: now)
        return line
    }

    /// Records a line sent by other means (with `READY=1`, say).
    public mutating func record(_ line: String, now: Double) {
        lastSent = line
        lastSentAt = now
        waiting = false
    }

    /// When a changed line that had to wait may be sent; nil when nothing waits.
    public var wakeAt: Double? {
        waiting ? lastSentAt + minimumInterval : nil
    }
}
