/// Cyrus's READY-failure rule (`master/master.c: reap_child()`): a child that dies with a
/// failure status while READY (before serving anything) counts; the count restarts when the
/// previous failure is more than ``window`` seconds old; at the ``limit``-th the listener is
/// disabled until the next SIGHUP (`too many failures for service <name>/<family>, disabling
/// until next SIGHUP`).
public struct FailureThrottle: Sendable, Equatable {
    /// Cyrus's `MAX_READY_FAILS`.
    public static let limit = 5
    /// Cyrus's `MAX_READY_FAIL_INTERVAL`, seconds.
    public static let window = 10.0

    public private(set) var count = 0
    /// Every failure recorded, across resets.
    public private(set) var total = 0
    private var lastFailure: Double?

    public init() {}

    /// Records a READY failure at `now`; true when the listener must be disabled.
    public mutating func recordFailure(now: Double) -> Bool {
        if let last = lastFailure, now - last > Self.window { count = 0 }
        lastFailure = now
        count += 1
        total += 1
        return count >= Self.limit
    }

    /// Forgets the failures (reload).
    public mutating func reset() {
        count = 0
        lastFailure = nil
    }
}
