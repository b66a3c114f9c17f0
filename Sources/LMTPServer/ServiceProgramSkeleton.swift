import Glibc
import Logging
import MailLogging
import POSIXCore
import ServiceContract

/// The steps every service program of ours (lmtpd, lmtpproxyd) takes between its command line
/// and its sessions, in this order: how it was started and the signals for that (``begin()``),
/// its configuration (the program's own; a failure is reported by ``configurationFailed(_:_:)``),
/// its logger (``logger(ident:)``), the Cyrus user when started as root
/// (``becomeCyrusUser(_:_:logger:_:)``), then sessions: one on standard input/output, or
/// Cyrus's service-child loop under a master (``serve(_:configDirectory:logger:standalone:session:)``).
public struct ServiceProgramSkeleton {
    /// How the program was started, and the service name (`CYRUS_SERVICE`, or `lmtp`).
    public struct Start {
        public let launch: ServiceLaunch
        public let service: String
    }

    /// The program's name, as its 421 lines say it.
    public let program: String
    public let options: LMTPDOptions

    public init(program: String, options: LMTPDOptions) {
        self.program = program
        self.options = options
    }

    /// Decides how the program runs and installs the signal handlers for that; an exit status
    /// (logged) when a master started it without the environment it must set.
    public func begin() -> Result<Start, ExitCode> {
        let launch = options.singleSession ? .standalone : ServiceLaunch.detect()
        switch launch {
        case .missingEnvironment(let variable):
            logger(ident: "cyrus/lmtp").error("could not getenv(\(variable)); exiting")
            return .failure(ExitCode(ExitStatus.software))
        case .child(let name, _, _):
            ServiceSignals.installForChild()
            return .success(Start(launch: launch, service: name))
        case .standalone:
            ServiceSignals.installForStandalone()
            let service = getenv(ServiceContract.Environment.service).map { String(cString: $0) } ?? "lmtp"
            return .success(Start(launch: launch, service: service))
        }
    }

    /// The configuration cannot be used: logged, told to a standalone client (Cyrus's
    /// `fatal()`: a 421 line), and EX_CONFIG.
    public func configurationFailed(_ error: Error, _ start: Start) -> Int32 {
        logger(ident: "cyrus/\(start.service)").critical("configuration error: \(error)")
        if start.launch == .standalone {
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "configuration error"
            _ = try? writeAll(1, "421 4.3.0 \(program): \(firstLine)\r\n")
        }
        return ExitStatus.config
    }

    /// Installs the log backend (once per process) and returns the program's logger: the
    /// journal when standard error is systemd's journal stream, else syslog, plus standard error
    /// with `--log-to-stderr`; debug level with `-D`.
    @discardableResult
    public func logger(ident: String) -> Logger {
        let level: Logger.Level = options.debug ? .debug : .info
        MailLog.bootstrap(ident: ident, level: level, to: MailLog.destinations(alsoStandardError: options.logToStderr))
        var logger = Logger(label: program)
        logger.logLevel = level
        return logger
    }

    /// Started as root, the program becomes `cyrus_user` before it opens anything the
    /// configuration or a recipient names: mail is never handled as root. Returns the exit
    /// status when it cannot (logged, and told to a standalone client), nil when done.
    public func becomeCyrusUser(_ user: String?, _ group: String?, logger: Logger, _ start: Start) -> Int32? {
        guard ServiceUser.isRoot else { return nil }
        do throws(ServiceUser.Problem) {
            try ServiceUser.resolve(userOption: user, groupOption: group).become()
            return nil
        } catch {
            logger.critical("must run as the Cyrus user: \(error)")
            if start.launch == .standalone { _ = try? writeAll(1, "421 4.3.0 \(program): must run as the Cyrus user: \(error)\r\n") }
            return ExitStatus.usage
        }
    }

    /// Runs the sessions: `standalone` once on standard input/output (exit 0, or 75 after a
    /// shutdown signal), or under a master Cyrus's service-child loop calling `session` per
    /// accepted connection (with `-U`, `-T` and the accept lock in `configDirectory`).
    public func serve(_ start: Start, configDirectory: String, logger: Logger,
                      standalone: () -> Void, session: (ServiceChild.Connection) -> Void) -> Int32 {
        guard case .child(_, let id, _) = start.launch else {
            standalone()
            guard let signal = ServiceSignals.terminatingSignal else { return ExitStatus.ok }
            logger.info("exiting on signal \(signal)")
            return ExitStatus.tempFail
        }
        let childOptions = ServiceChildOptions(
            usesArgument: options.uses, reuseTimeoutArgument: options.reuseTimeout,
            configDirectory: configDirectory, service: start.service, id: id,
            keepStandardError: options.logToStderr)
        let child = ServiceChild(options: childOptions) { level, text in
            logger.log(level: level.loggerLevel, "\(text)")
        }
        return child.run(serve: session)
    }

    /// An exit status as a failure value.
    public struct ExitCode: Error {
        public let status: Int32
        public init(_ status: Int32) { self.status = status }
    }
}
