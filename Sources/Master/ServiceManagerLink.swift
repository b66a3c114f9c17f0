import Systemd

/// What minimaster owes systemd (sd_notify) and when: `READY=1` once the services can serve
/// (after startup, and again after a reload), `RELOADING=1`, `STOPPING=1`, a current `STATUS=`
/// line, `WATCHDOG=1` pings. Inactive without `NOTIFY_SOCKET`: nothing is sent, nothing logged,
/// and the loop never wakes for it. As an ``EventSource`` it wakes the loop when something is
/// due (the pass does the work, see `Supervisor.serviceManagerPass`).
final class ServiceManagerLink: EventSource {
    enum Phase: Equatable {
        /// `READY=1` is owed: waiting for every service's children (startup or reload).
        case awaitingReadiness(since: Double)
        case ready
        /// `STOPPING=1` was sent.
        case stopping
    }

    /// A service manager listens (`NOTIFY_SOCKET` was set at startup).
    let isActive: Bool
    var phase: Phase
    /// Pings at half of `WATCHDOG_USEC`, nil without a watchdog.
    var watchdog: WatchdogTimer?
    var status = StatusThrottle()
    /// The longest wait for children before `READY=1` is sent anyway (with a warning).
    let readinessTimeout: Double

    /// How often children that have not started yet are looked at while `READY=1` is owed.
    static let probeInterval = 0.02

    /// The link for this process: active when `NOTIFY_SOCKET` is set; `watchdogMicroseconds`
    /// from ``Watchdog/intervalMicroseconds()`` (read before daemonizing).
    init(isActive: Bool = Notifier.isActive, watchdogMicroseconds: UInt64?, now: Double, readinessTimeout: Double = 30) {
        self.isActive = isActive
        phase = .awaitingReadiness(since: now)
        watchdog = isActive ? watchdogMicroseconds.map { WatchdogTimer(intervalMicroseconds: $0, now: now) } : nil
        self.readinessTimeout = readinessTimeout
    }

    /// When the loop must run again for systemd: the next ping, a waiting `STATUS=`, the next
    /// look at starting children; nil when nothing is due.
    func nextWake(now: Double) -> Double? {
        guard isActive else { return nil }
        var wake = [watchdog?.nextPing, status.wakeAt].compactMap { $0 }
        if case .awaitingReadiness = phase { wake.append(now + Self.probeInterval) }
        return wake.min()
    }

    func register(in wait: EventWait, now: Double) {
        if let wake = nextWake(now: now) { wait.wake(at: wake, for: self) }
    }
}
