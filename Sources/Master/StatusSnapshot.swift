import Glibc
import POSIXCore

/// What `minimaster status` shows: the supervisor's state at one moment, as plain values
/// (rendered by ``StatusText`` and ``StatusJSON``). Times are wall-clock seconds since 1970.
public struct StatusSnapshot: Sendable, Equatable {
    /// One SERVICES listener (one resolved address of an entry), or an entry with none.
    public struct Service: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            case active
            /// Not forking until the next SIGHUP, with the reason (the failure throttle).
            case disabled(String)
            /// Gone from cyrus.conf after a reload: its children are finishing.
            case removed
            /// The entry has no listener: its address could not be bound (see the log).
            case notListening
        }

        public var name: String
        /// `ipv4`, `ipv6` or `unix` (empty when not listening).
        public var family: String
        /// The address bound, or `listen=` as written when there is no listener.
        public var listen: String
        /// The name systemd passed the socket under (socket activation); nil when bound here.
        public var systemdSocket: String?
        public var ready: Int
        public var busy: Int
        public var prefork: Int
        /// nil: unlimited.
        public var maxchild: Int?
        /// Children forked since the listener was created.
        public var forks: Int
        /// Forks per second over the last ``ForkRateWindow/span`` seconds.
        public var forkRate: Double
        /// 0: no cap.
        public var maxforkrate: Int
        /// Children that failed while READY (the failures that disable a service).
        public var readyFailures: Int
        /// Connections children reported.
        public var served: Int
        public var state: State
    }

    /// One DAEMON entry.
    public struct Daemon: Sendable, Equatable {
        public enum State: String, Sendable, Equatable {
            case running
            /// No process right now; minimaster starts it again.
            case restarting
            /// No process and none will be started (shutting down, or disabled).
            case exited
        }

        public var name: String
        public var state: State
        public var pid: Int32?
        /// Processes started since minimaster started.
        public var starts: Int
        /// How its last process ended, in Cyrus's words (`exited, status 1`).
        public var lastExit: String?
    }

    /// One EVENTS entry.
    public struct Event: Sendable, Equatable {
        public var name: String
        public var command: [String]
        /// `every 30 min`, `daily at 04:00`, `once at startup`.
        public var timing: String
        public var lastRun: Double?
        /// How its last finished run ended, in Cyrus's words.
        public var lastExit: String?
        /// Whether that run counts as a failure.
        public var lastExitFailed: Bool
        public var runningPID: Int32?
        public var nextRun: Double?
    }

    public var pid: Int32
    public var uid: UInt32
    /// The user name of ``uid`` (nil when it has none).
    public var user: String?
    public var startedAt: Double
    public var now: Double
    /// The cyrus.conf in force.
    public var configuration: String
    /// 1 at startup, one more per successful reload.
    public var generation: Int
    /// When that configuration was loaded (the last reload, or the start).
    public var loadedAt: Double
    /// Service and daemon children of older generations still running (sent SIGHUP by a
    /// reload, e.g. finishing a session).
    public var childrenToRecycle: Int
    public var shuttingDown: Bool
    public var services: [Service]
    public var daemons: [Daemon]
    public var events: [Event]
}

extension StatusSnapshot {
    /// The state of `supervisor` now.
    static func capture(_ supervisor: Supervisor) -> StatusSnapshot {
        let monotonicNow = MonotonicClock.now()
        let uid = geteuid()
        var services: [Service] = []
        for definition in supervisor.configuration.services {
            let own = supervisor.listeners.filter { $0.key == definition.key && !$0.isDaemon }
            if own.isEmpty {
                services.append(Service(definition: definition))
            }
            services += own.map { Service($0, now: monotonicNow) }
        }
        // Listeners of entries no longer in the configuration (removed, children finishing).
        let current = Set(supervisor.configuration.services.map(\.key))
        services += supervisor.listeners.filter { !$0.isDaemon && !current.contains($0.key) }
            .map { Service($0, now: monotonicNow) }
        let daemons = supervisor.listeners.filter(\.isDaemon).map { listener in
            Daemon(listener, pid: supervisor.children.children(of: listener.id).first?.pid,
                   shuttingDown: supervisor.shutdown != nil)
        }
        return StatusSnapshot(
            pid: getpid(), uid: uid, user: getpwuid(uid).map { String(cString: $0.pointee.pw_name) },
            startedAt: supervisor.startedAt, now: ScheduledEvents.wallClock(),
            configuration: supervisor.configuration.path, generation: supervisor.generation,
            loadedAt: supervisor.loadedAt,
            childrenToRecycle: supervisor.children.all.filter { $0.hangupSentAt != nil }.count,
            shuttingDown: supervisor.shutdown != nil, services: services, daemons: daemons,
            events: supervisor.events.statuses.map(Event.init))
    }
}

extension StatusSnapshot.Service {
    init(_ listener: Listener, now: Double) {
        let state: State = switch listener.state {
        case .active: .active
        case .disabled(let reason): .disabled(reason)
        case .removed: .removed
        }
        var systemdSocket: String?
        if case .passed(let name, _) = listener.origin { systemdSocket = name }
        self.init(name: listener.key.name, family: listener.family.rawValue, listen: listener.spec?.description ?? "",
                  systemdSocket: systemdSocket, ready: listener.ready, busy: listener.active - listener.ready,
                  prefork: listener.settings.prefork,
                  maxchild: listener.settings.maxchild == Int.max ? nil : listener.settings.maxchild,
                  forks: listener.forks, forkRate: listener.recentForks.rate(now: now),
                  maxforkrate: listener.settings.maxforkrate, readyFailures: listener.throttle.total,
                  served: listener.connections, state: state)
    }

    /// An entry without a listener.
    init(definition: ServiceDefinition) {
        let settings = definition.settings
        self.init(name: definition.name, family: "", listen: definition.key.listen, systemdSocket: nil,
                  ready: 0, busy: 0, prefork: settings.prefork,
                  maxchild: settings.maxchild == Int.max ? nil : settings.maxchild, forks: 0, forkRate: 0,
                  maxforkrate: settings.maxforkrate, readyFailures: 0, served: 0, state: .notListening)
    }
}

extension StatusSnapshot.Daemon {
    init(_ listener: Listener, pid: Int32?, shuttingDown: Bool) {
        let state: State
        if pid != nil {
            state = .running
        } else if shuttingDown || listener.state != .active {
            state = .exited
        } else {
            state = .restarting
        }
        self.init(name: listener.key.name, state: state, pid: pid, starts: listener.forks,
                  lastExit: listener.lastExit?.text)
    }
}

extension StatusSnapshot.Event {
    init(_ status: EventStatus) {
        self.init(name: status.name, command: status.command, timing: status.timing.description,
                  lastRun: status.lastStarted, lastExit: status.lastExit?.text,
                  lastExitFailed: status.lastExit?.isFailure ?? false, runningPID: status.runningPID,
                  nextRun: status.nextRun)
    }
}
