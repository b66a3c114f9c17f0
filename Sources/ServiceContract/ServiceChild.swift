import Glibc
import POSIXCore

/// Severity of a line the child loop wants logged (this module does not depend on a logging
/// library; the program maps these to its own).
public enum ServiceLogLevel: Sendable {
    case debug, info, notice, warning, error
}

/// Cyrus's generic service child (`master/service.c: main()`, docs/cyrus-compatibility.md §2.3), for one
/// connection at a time: take the accept lock, wait for a connection on fd 4, accept it,
/// tell master (UNAVAILABLE, CONNECTION), serve it on fds 0/1, tell master AVAILABLE, again —
/// until `-U` sessions were served, the `-T` timer fires, a signal asks to stop or the program
/// file changes. Knows nothing of the protocol served.
///
/// Exit statuses: 0 for a normal end (uses, idle timeout, SIGHUP, program file changed),
/// 75 after SIGTERM/SIGINT/SIGQUIT, 71 when accept or the lock fail, 1 when fd 4 cannot be
/// served (a datagram socket: UDP services are not supported).
public final class ServiceChild {
    /// The connection being served: fd 0 and fd 1 are both the accepted socket (as in Cyrus,
    /// so a service that uses standard input and output works unchanged).
    public struct Connection: Sendable {
        public let inputFD: Int32
        public let outputFD: Int32
    }

    public let options: ServiceChildOptions
    /// The `-T` timeout as armed between sessions (random in `[T, 2T-1]`, 0 = none).
    public let armedTimeout: Int
    /// Sessions served so far.
    public private(set) var served = 0

    private let status: StatusPipe
    private let program: ProgramFile
    /// /dev/null, kept open for pointing fds 0-2 at it after each session (-1: opened each time).
    private let null: Int32
    private let log: (ServiceLogLevel, String) -> Void

    /// Takes over fds 3 and 4 (close-on-exec, so commands the service runs do not inherit
    /// them) and remembers the program file. Call early, before running other programs.
    public init(options: ServiceChildOptions, log: @escaping (ServiceLogLevel, String) -> Void) {
        self.options = options
        self.log = log
        armedTimeout = ServiceChildOptions.armedReuseTimeout(base: options.reuseTimeout)
        status = StatusPipe()
        program = ProgramFile()
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        self.null = null > 2 ? null : -1
        if null >= 0 && null <= 2 { close(null) }
        for fd in [ServiceContract.statusFD, ServiceContract.listenFD] {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Runs the accept loop; `serve` is called once per connection. Returns the exit status.
    /// Expects `ServiceSignals.installForChild()` to have been called.
    public func run(serve: (Connection) -> Void) -> Int32 {
        switch ListenSocketKind.probe() {
        case .stream:
            break
        case .datagram:
            log(.error, "fd \(ServiceContract.listenFD) is a datagram socket: UDP services are not supported")
            return 1
        case .none:
            log(.error, "fd \(ServiceContract.listenFD) is not a listening socket")
            return 1
        }
        let lock = AcceptLock(path: options.lockPath)
        if let problem = lock.problem {
            log(.error, "unable to open lock file \(lock.path): \(problem); locking disabled")
        }
        while true {
            if served > 0 && armedTimeout > 0 { _ = alarm(UInt32(armedTimeout)) }
            switch lock.acquire(shouldStop: { ServiceSignals.anyPending }) {
            case .acquired:
                break
            case .interrupted:
                return idleExit()
            case .failed(let text):
                log(.error, "fcntl: F_SETLKW: error getting accept lock: \(text)")
                return ExitStatus.osError
            }
            let accepted = acceptConnection()
            lock.release()
            let fd: Int32
            switch accepted {
            case .connection(let connection): fd = connection
            case .exit(let code): return code
            }
            _ = alarm(0)
            tell(.unavailable, .connection)
            guard attachToStandardDescriptors(fd) else { return ExitStatus.osError }
            served += 1
            serve(Connection(inputFD: 0, outputFD: 1))
            detachStandardDescriptors()
            if let end = endAfterSession() { return end }
            tell(.available)
        }
    }

    // MARK: steps

    private enum Accepted {
        case connection(Int32)
        case exit(Int32)
    }

    /// Cyrus's accept loop: signals and the program file are looked at before each wait.
    private func acceptConnection() -> Accepted {
        while true {
            if ServiceSignals.anyPending { return .exit(idleExit()) }
            if program.hasChanged {
                log(.info, "process file has changed, exiting")
                return .exit(ExitStatus.ok)
            }
            let wake = ServiceSignals.wakeFD
            var fds = [pollfd(fd: ServiceContract.listenFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            switch Poll.once(&fds, count: wake >= 0 ? 2 : 1, until: nil) {
            case .ready, .timedOut:
                break
            case .interrupted:
                continue
            case .failed(let error):
                log(.error, "poll on the listening socket failed: \(error.text)")
                return .exit(ExitStatus.osError)
            }
            if wake >= 0 && fds[1].revents != 0 {
                ServiceSignals.drainWake()
                continue
            }
            // A signal may have arrived together with readiness (the master shuts the socket
            // down when it stops): honour it before accepting.
            if ServiceSignals.anyPending { return .exit(idleExit()) }
            let error: Errno
            do throws(Errno) {
                return .connection(try POSIXCore.acceptConnection(ServiceContract.listenFD))
            } catch let failure {
                error = failure
            }
            if ServiceSignals.anyPending { return .exit(idleExit()) }
            if Self.transientAcceptErrors.contains(error.code) { continue }
            log(.error, "accept failed: \(error.text)")
            return .exit(ExitStatus.osError)
        }
    }

    /// accept(2) errors that only mean "try again" (`master/service.c`).
    static let transientAcceptErrors: Set<Int32> = [
        EINTR, ECONNABORTED, EAGAIN, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
        EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH,
    ]

    /// Why an idle child stops: 75 for a shutdown signal, 0 for SIGHUP or the idle timer.
    private func idleExit() -> Int32 {
        if let signal = ServiceSignals.terminatingSignal {
            log(.info, "exiting on signal \(signal) while idle")
            return ExitStatus.tempFail
        }
        if ServiceSignals.hangupRequested {
            log(.info, "exiting on SIGHUP while idle")
        } else {
            log(.info, "no connection for \(armedTimeout) seconds, exiting")
        }
        return ExitStatus.ok
    }

    /// After a session: a pending signal or the use count ends the process.
    private func endAfterSession() -> Int32? {
        if let signal = ServiceSignals.terminatingSignal {
            log(.info, "exiting on signal \(signal) after the session")
            return ExitStatus.tempFail
        }
        if ServiceSignals.anyPending {
            log(.info, "exiting on SIGHUP after the session")
            return ExitStatus.ok
        }
        if options.usesExhausted(served: served) {
            log(.info, "served \(served) sessions (-U \(options.uses)), exiting")
            return ExitStatus.ok
        }
        return nil
    }

    /// dup2 the connection onto fds 0 and 1 and close the original.
    private func attachToStandardDescriptors(_ fd: Int32) -> Bool {
        for target: Int32 in [0, 1] where fd != target {
            guard dup2(fd, target) >= 0 else {
                log(.error, "can't duplicate accepted socket: \(errnoText())")
                if fd > 2 { close(fd) }
                return false
            }
        }
        if fd > 2 { close(fd) }
        return true
    }

    /// Points fds 0 and 1 (and 2 unless kept) at /dev/null: this closes the connection.
    private func detachStandardDescriptors() {
        let targets: [Int32] = options.keepStandardError ? [0, 1] : [0, 1, 2]
        let null = self.null >= 0 ? self.null : open("/dev/null", O_RDWR)
        for target in targets where target != null {
            if null >= 0 { _ = dup2(null, target) } else { close(target) }
        }
        if null > 2 && null != self.null { close(null) }
    }

    /// Tells the master `codes`, in one write.
    private func tell(_ codes: StatusMessage.Code...) {
        if let problem = status.send(codes) {
            log(.error, "unable to tell master \(codes.map { "\($0)" }.joined(separator: ", ")): \(problem)")
        }
    }
}
