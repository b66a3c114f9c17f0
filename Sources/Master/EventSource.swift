/// Something the supervision loop waits on: descriptors to poll, a deadline, or both.
///
/// Every turn the loop asks each source to register in the turn's ``EventWait``, makes one
/// `poll`, then calls ``descriptorReady(_:events:now:)`` for each registered descriptor that
/// polled ready and ``deadlineReached(now:)`` for each source whose deadline has come. A source
/// whose work is done by the loop's pass (signals, status pipes, timers) only needs the loop to
/// wake up: both handlers do nothing unless a source implements them. Times are
/// ``MonotonicClock`` seconds.
protocol EventSource: AnyObject {
    /// Adds this turn's descriptors and deadline to `wait` (possibly nothing).
    func register(in wait: EventWait, now: Double)
    /// A descriptor this source registered polled ready; `events` is poll's `revents`.
    func descriptorReady(_ fd: Int32, events: Int16, now: Double)
    /// The deadline this source registered has come.
    func deadlineReached(now: Double)
}

extension EventSource {
    func descriptorReady(_ fd: Int32, events: Int16, now: Double) {}
    func deadlineReached(now: Double) {}
}

/// A deadline-only source: wakes the loop at ``deadline`` (nil: never); the pass does the work.
final class WakeTimer: EventSource {
    /// When the loop must run again.
    var deadline: Double?

    init(deadline: Double? = nil) {
        self.deadline = deadline
    }

    func register(in wait: EventWait, now: Double) {
        if let deadline { wait.wake(at: deadline, for: self) }
    }
}
