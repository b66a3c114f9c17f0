import Glibc
import Logging
import Metrics
import POSIXCore
import Systemd

/// The one event loop of minimaster. Single-threaded: each turn is a pass, then one wait on
/// the ``EventSource``s: the signal self-pipe, every listener (its status pipe, and its socket
/// when it qualifies for an on-demand fork), the systemd link, the EVENTS schedule, and timers
/// for fork-rate wake-ups, the drain deadline and the janitor; ``Master`` adds the status
/// socket (``StatusServer``) with ``addSource(_:)``. Another input is one more such source.
///
/// One pass: collect signals (shutdown, SIGHUP reload) → drain the status pipes → reap exited
/// children (`waitpid(-1, WNOHANG)` until none; after the pipes, so a child's last message
/// is seen before its exit) → start the EVENTS due (after the reaping, so a run that just
/// ended is not taken for one still going) and prefork / babysit / on-demand forks, or the
/// shutdown step → forget removed listeners without children → systemd (watchdog, readiness,
/// status) → wait.
final class Supervisor {
    struct Settings {
        var backlog: Int32 = 32
        var drainTimeout: Double = 30
        var lookup: ExecutableLookup = .standard()
        /// Seconds between janitor runs (lingering children after a SIGHUP are reported).
        var janitorInterval: Double = 10
        /// A child still running this long after its SIGHUP is reported once.
        var lingerReport: Double = 30
        /// How long a `wait=y` daemon has to write `ok\r\n`.
        var waitDaemonTimeout: Double = 60
        /// The children's shared counters (nil: `prometheus_enabled` is off): passed to every
        /// service child as fd 5, folded in as children are reaped.
        var metrics: MasterMetrics?
    }

    let settings: Settings
    let logger: Logger
    /// The configuration in force (the last one loaded successfully).
    var configuration: MasterConfiguration
    /// Every listener and daemon, in creation order.
    var listeners: [Listener] = []
    var children = ChildProcessTable()
    var shutdown: ShutdownState?
    /// `wait=y` daemons in start order (stopped last, in reverse).
    var waitDaemons: [ListenerID] = []
    let signals = SignalSource()
    /// The environment of service children (with `MINIMASTER_METRICS_FD` when counting).
    let baseEnvironment: [String]
    /// Sockets systemd passed, until the services have claimed them (startup).
    let activatedSockets: ActivatedSockets
    /// Notifications to systemd.
    let manager: ServiceManagerLink
    /// EVENTS entries (scheduled by ``Master`` once START has run, again on every reload).
    let events: ScheduledEvents
    /// 1 for the configuration read at startup, one more for each successful reload.
    var generation = 1
    /// When the configuration in force was loaded (wall clock, seconds since 1970).
    var loadedAt: Double
    /// When the supervisor was created (wall clock, seconds since 1970).
    let startedAt: Double
    private var nextID: ListenerID = 1
    /// Fork-rate wake-ups and shutdown steps: set by each pass.
    private let passTimer = WakeTimer()
    /// The next janitor run.
    private let janitorTimer: WakeTimer
    /// What the loop waits on besides the listeners (which come and go with reloads).
    private var sources: [any EventSource]
    private let wait = EventWait()

    init(configuration: MasterConfiguration, settings: Settings, logger: Logger,
         activatedSockets: ActivatedSockets = ActivatedSockets([]), manager: ServiceManagerLink? = nil) {
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        self.activatedSockets = activatedSockets
        self.manager = manager ?? ServiceManagerLink(isActive: false, watchdogMicroseconds: nil, now: MonotonicClock.now())
        let environment = Self.currentEnvironment()
        baseEnvironment = settings.metrics == nil ? environment
            : environment + ["\(CounterRegion.environmentVariable)=\(CounterRegion.inheritedFD)"]
        janitorTimer = WakeTimer(deadline: MonotonicClock.now() + settings.janitorInterval)
        events = ScheduledEvents(lookup: settings.lookup, environment: environment, logger: logger)
        sources = [signals, self.manager, events, passTimer, janitorTimer]
        startedAt = ScheduledEvents.wallClock()
        loadedAt = startedAt
    }

    /// One more source for the loop to wait on (the status socket), before ``run()``.
    func addSource(_ source: any EventSource) {
        sources.append(source)
    }

    /// The children's shared counters, if counting.
    var metrics: MasterMetrics? { settings.metrics }

    func makeListenerID() -> ListenerID {
        defer { nextID += 1 }
        return nextID
    }

    func listener(_ id: ListenerID) -> Listener? {
        listeners.first { $0.id == id }
    }

    /// Runs until shutdown completes; returns the exit status.
    func run() -> Int32 {
        logger.notice("ready for work")
        while true {
            let pending = signals.take()
            let now = MonotonicClock.now()
            if let signal = pending.shutdown { beginShutdown(signal: signal, now: now) }
            if pending.hangup {
                if shutdown == nil { reload(now: now) } else { logger.info("SIGHUP ignored: shutting down") }
            }
            drainStatusPipes()
            reapChildren(now: MonotonicClock.now())
            if shutdown != nil {
                if let status = shutdownStep(now: MonotonicClock.now()) { return status }
                passTimer.deadline = shutdown?.nextWake
            } else {
                events.runDue()
                passTimer.deadline = spawnPass(now: MonotonicClock.now())
            }
            forgetFinishedListeners()
            janitor(now: MonotonicClock.now())
            serviceManagerPass(now: MonotonicClock.now())
            waitForEvents()
        }
    }

    /// One wait on every source; what it finds is acted on by the sources and the next pass.
    private func waitForEvents() {
        let now = MonotonicClock.now()
        for source in sources { source.register(in: wait, now: now) }
        for listener in listeners { listener.register(in: wait, now: now) }
        wait.run()
    }

    /// Forks what the policy asks for each active listener and marks the sockets to watch;
    /// returns the earliest time a rate-limited listener must be looked at again.
    private func spawnPass(now: Double) -> Double? {
        var wake: Double?
        for listener in listeners where listener.state == .active {
            let decision = SpawnPolicy.decide(listener.policyState(now: now, shuttingDown: false))
            var forks = decision.forks
            if decision.watchSocket && listener.connectionWaiting { forks += 1 }
            if decision.reason == .babysit {
                logger.error("lost all children for service: \(listener.label).  Applying babysitter.")
            }
            for i in 0..<forks {
                if i > 0 && !listener.forkRate.allows(now: now) { break }
                if !spawnChild(of: listener, now: now) { break }
            }
            noteSaturation(of: listener, now: now)
            let after = SpawnPolicy.decide(listener.policyState(now: now, shuttingDown: false))
            listener.pollForConnections = after.watchSocket
            if after.rateLimited || after.forks > 0 {
                let next = listener.retryForkAt.map { max($0, now) } ?? listener.forkRate.nextCheck(after: now)
                wake = min(wake ?? next, next)
            }
        }
        return wake
    }

    /// Forks one child of `listener` and records it READY; false when fork failed.
    @discardableResult
    func spawnChild(of listener: Listener, now: Double, statusFD: Int32? = nil) -> Bool {
        switch listener.spawn(now: now, statusFD: statusFD) {
        case .success(let pid):
            children.insert(ChildRecord(pid: pid, listener: listener.id, state: .ready, startedAt: now))
            logger.info("\(listener.isDaemon ? "daemon" : "service") \(listener.label) pid \(pid) started: \(listener.settings.argv.joined(separator: " "))")
            return true
        case .failure(let failure):
            logger.error("\(failure.description)")
            listener.retryForkAt = now + 1
            return false
        }
    }

    /// Removed listeners whose last child is gone are released (pipe closed).
    private func forgetFinishedListeners() {
        listeners.removeAll { listener in
            guard listener.state == .removed, listener.active == 0 else { return false }
            listener.closeSocket()
            listener.statusPipe?.close()
            logger.info("\(listener.isDaemon ? "daemon" : "service") \(listener.label) removed")
            return true
        }
    }

    /// Children still alive long after their SIGHUP are reported once (Cyrus's janitor).
    private func janitor(now: Double) {
        guard now >= janitorTimer.deadline ?? .infinity else { return }
        janitorTimer.deadline = now + settings.janitorInterval
        children.updateAll { record in
            guard let sent = record.hangupSentAt, !record.reportedLingering, now - sent >= settings.lingerReport else { return }
            record.reportedLingering = true
            let label = listener(record.listener)?.label ?? "?"
            logger.notice("service \(label) pid \(record.pid) in \(record.state.rawValue) state: still running \(seconds((now - sent).rounded())) after SIGHUP")
        }
    }

    /// This process's environment as `KEY=value` strings, for children: without what systemd
    /// addresses to the main process only (``MainProcessEnvironment``).
    static func currentEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return MainProcessEnvironment.removing(from: result)
    }
}
