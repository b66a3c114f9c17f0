import CShims
import Glibc
import POSIXCore
import ServiceContract

/// One bound address of a SERVICES entry (or one DAEMON entry) with its children's
/// accounting: Cyrus's `struct service`. An entry whose `listen` resolves to several
/// addresses has one listener per address, each with its own socket, status pipe, children
/// and `CYRUS_ID` (its index).
final class Listener {
    enum State: Equatable {
        /// Running: children are forked as the policy says.
        case active
        /// Not forking until the next SIGHUP (READY-failure throttle); socket closed.
        case disabled(String)
        /// Gone from the configuration: socket closed, waiting for the last child.
        case removed
    }

    /// Where the listening socket came from.
    enum SocketOrigin: Equatable {
        /// Bound by master from `listen=`.
        case bound
        /// Passed by systemd (socket activation) under `name`, matched by that name or by
        /// address: only master's descriptor is ever closed, never the socket itself.
        case passed(name: String, byName: Bool)
    }

    let id: ListenerID
    let key: ServiceKey
    /// `CYRUS_ID`: index among the addresses of the entry.
    let index: Int
    /// The address bound (nil for daemons).
    let spec: BindSpec?
    private(set) var definition: ServiceDefinition
    /// The listening socket, -1 once closed (daemons: always -1).
    private(set) var socketFD: Int32
    /// The status pipe shared by the children (nil for daemons).
    let statusPipe: StatusPipeReader?
    let origin: SocketOrigin

    var state: State = .active
    /// Idle children (Cyrus's `ready_workers`).
    var ready = 0
    /// Live children (Cyrus's `nactive`).
    var active = 0
    /// Connections children reported (CONNECTION messages).
    var connections = 0
    /// Children forked since the listener was created.
    private(set) var forks = 0
    /// Recent forks, for the rate `minimaster status` shows.
    private(set) var recentForks = ForkRateWindow()
    /// How its last child ended (nil before the first exit).
    var lastExit: ChildExit?
    var forkRate: ForkRateLimiter
    var throttle = FailureThrottle()
    /// After a failed fork(2): no new attempt before this time.
    var retryForkAt: Double?
    /// Set by the pass when ``SpawnPolicy`` wants the socket watched for an on-demand fork:
    /// polled in the coming wait only.
    var pollForConnections = false
    /// Whether the last pass found no ready child and `maxchild` busy ones (new clients wait).
    var atMaxchild = false
    /// How many times such a stretch began.
    var maxchildReached: UInt64 = 0
    /// When the last `maxchild` warning was logged (monotonic seconds).
    var lastMaxchildWarning: Double?
    /// The socket polled readable in the last wait: a client waits for a child.
    private(set) var connectionWaiting = false

    /// The children's shared counter region, passed as fd 5 (-1: none).
    var metricsFD: Int32 = -1
    private var argv: CStringArray
    private var environment: CStringArray
    private let baseEnvironment: [String]

    /// `<service>/<family>`, as in Cyrus's log lines.
    var label: String { "\(key.name)/\(family.rawValue)" }
    var family: ListenerFamily { spec?.family ?? .daemon }
    var settings: ProgramSettings { definition.settings }
    var isDaemon: Bool { spec == nil }
    var isPassed: Bool { origin != .bound }

    init(id: ListenerID, definition: ServiceDefinition, index: Int, spec: BindSpec?, socketFD: Int32,
         statusPipe: StatusPipeReader?, baseEnvironment: [String], origin: SocketOrigin = .bound) {
        self.id = id
        self.origin = origin
        self.key = definition.key
        self.index = index
        self.spec = spec
        self.definition = definition
        self.socketFD = socketFD
        self.statusPipe = statusPipe
        self.baseEnvironment = baseEnvironment
        forkRate = ForkRateLimiter(maxRate: definition.settings.maxforkrate)
        argv = CStringArray(definition.settings.argv)
        environment = CStringArray(Self.environment(base: baseEnvironment, name: definition.key.name, index: index,
                                                    daemon: spec == nil))
    }

    deinit {
        closeSocket()
        statusPipe?.close()
    }

    /// The environment of a child: master's own, with `CYRUS_SERVICE`, `CYRUS_ID` (and for
    /// daemons `CYRUS_ISDAEMON=1`) replaced.
    static func environment(base: [String], name: String, index: Int, daemon: Bool) -> [String] {
        let ours = [ServiceContract.Environment.service, ServiceContract.Environment.id, ServiceContract.Environment.isDaemon]
        var result = base.filter { entry in !ours.contains { entry.hasPrefix($0 + "=") } }
        result.append("\(ServiceContract.Environment.service)=\(name)")
        result.append("\(ServiceContract.Environment.id)=\(index)")
        if daemon { result.append("\(ServiceContract.Environment.isDaemon)=1") }
        return result
    }

    /// Takes the new values of a reloaded entry (same name, listen and proto).
    func apply(_ newDefinition: ServiceDefinition) {
        if newDefinition.settings.argv != definition.settings.argv {
            argv = CStringArray(newDefinition.settings.argv)
        }
        if newDefinition.settings.maxforkrate != definition.settings.maxforkrate {
            forkRate = ForkRateLimiter(maxRate: newDefinition.settings.maxforkrate)
        }
        definition = newDefinition
    }

    /// Reopens after a reload: a new socket for a disabled listener, failures forgotten.
    func reactivate(socket fd: Int32?) {
        if let fd { socketFD = fd }
        throttle.reset()
        retryForkAt = nil
        state = .active
    }

    /// Closes the listening socket for good: a bound one is shut down first (new clients are
    /// refused, also by children's copies); of a passed one only master's descriptor is closed
    /// (systemd keeps it listening, new clients wait for the next instance).
    func closeSocket() {
        guard socketFD >= 0 else { return }
        if isPassed { close(socketFD) } else { ListenerSocket.shutdownAndClose(socketFD) }
        socketFD = -1
    }

    /// Stops forking until the next SIGHUP (the READY-failure throttle). A bound socket is
    /// closed (clients are refused); a passed one is kept, since it could not be had again.
    func disable(_ reason: String) {
        if !isPassed { closeSocket() }
        state = .disabled(reason)
    }

    /// What ``SpawnPolicy`` needs; asks the fork-rate limiter.
    func policyState(now: Double, shuttingDown: Bool) -> SpawnPolicy.State {
        let canRun = state == .active && (isDaemon || socketFD >= 0)
        let forkAllowed = (retryForkAt.map { now >= $0 } ?? true) && forkRate.allows(now: now)
        return SpawnPolicy.State(enabled: canRun, shuttingDown: shuttingDown, ready: ready, active: active,
                                 prefork: settings.prefork, maxchild: settings.maxchild, babysit: settings.babysit,
                                 forkAllowed: forkAllowed, hasSocket: !isDaemon)
    }

    /// Forks and execs one child with fd 3 = the status pipe and fd 4 = the socket (none for
    /// daemons), counting it READY. Returns the pid or the fork error.
    func spawn(now: Double, statusFD overrideStatusFD: Int32? = nil) -> Result<Int32, ListenerSocket.Failure> {
        let statusFD = overrideStatusFD ?? statusPipe?.writeFD ?? -1
        let listenFD = isDaemon ? -1 : socketFD
        let pid = definition.settings.executable.withCString { path in
            argv.withPointer { argvPointer in
                environment.withPointer { envPointer in
                    cshim_spawn_service(path, argvPointer, envPointer, statusFD, listenFD, metricsFD, settings.maxfds)
                }
            }
        }
        guard pid > 0 else {
            return .failure(ListenerSocket.Failure(step: "can't fork process to run service \(label)", reason: errnoText()))
        }
        forkRate.recordFork(now: now)
        forks += 1
        recentForks.record(now: now)
        ready += 1
        active += 1
        return .success(pid)
    }
}

/// A listener as a source of the loop: its status pipe always (the pass drains every pipe
/// before reaping, so a child's last message is seen before its exit), its socket in the wait
/// after a pass asked for it. Both marks last one turn: registering clears them.
extension Listener: EventSource {
    func register(in wait: EventWait, now: Double) {
        connectionWaiting = false
        if let statusPipe { wait.watch(statusPipe.readFD, for: self) }
        if pollForConnections && socketFD >= 0 { wait.watch(socketFD, for: self) }
        pollForConnections = false
    }

    func descriptorReady(_ fd: Int32, events: Int16, now: Double) {
        if fd == socketFD { connectionWaiting = true }
    }
}
