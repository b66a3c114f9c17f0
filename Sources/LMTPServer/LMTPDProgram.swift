import Glibc
import Logging
import MailLogging
import POSIXCore
import ServiceContract

/// lmtpd's command-line options, as the executable parsed them.
public struct LMTPDOptions: Sendable {
    /// `-C`: the imapd.conf to read.
    public var configFile = "/etc/imapd.conf"
    /// `-U` as given (C `atoi` semantics); nil: 250.
    public var uses: String?
    /// `-T` as given (C `atoi` semantics); nil: 60.
    public var reuseTimeout: String?
    /// `-D`: run `debug_command` first and log at debug level.
    public var debug = false
    /// `-a`: internet clients count as authenticated.
    public var preauthorize = false
    /// Also log to standard error (which then stays open across sessions).
    public var logToStderr = false
    /// `-X`: one session on standard input/output even if fds 3/4 look like a master's.
    public var singleSession = false

    public init() {}
}

/// The whole lmtpd program: decides whether a master started it (fds 3/4 and `CYRUS_SERVICE`,
/// see `ServiceLaunch`), reads imapd.conf, and then either serves one session on standard
/// input/output or runs Cyrus's service-child loop, one LMTP session per accepted connection.
///
/// Shutdown signals (SIGTERM, SIGINT, SIGQUIT) end an idle process at once with 75; a session
/// finishes the message it is receiving, gets `421 4.3.2 bye server shutting down` at its next
/// command, and the process exits 75. SIGHUP (master's reload) ends an idle child with 0 and
/// lets a session run to its natural end (master(8): "allowed to run until the client logs
/// out"; Cyrus 3.6.1 instead cuts a session waiting for input with `421 4.4.1 bye Interrupted
/// system call`), then exits 0.
public enum LMTPDProgram {
    /// Runs lmtpd; returns the exit status.
    public static func run(_ options: LMTPDOptions) -> Int32 {
        let launch = options.singleSession ? .standalone : ServiceLaunch.detect()
        let service: String
        switch launch {
        case .missingEnvironment(let variable):
            let logger = bootstrapLogging(ident: "cyrus/lmtp", options)
            logger.error("could not getenv(\(variable)); exiting")
            return ExitStatus.software
        case .child(let name, _, _):
            ServiceSignals.installForChild()
            service = name
        case .standalone:
            ServiceSignals.installForStandalone()
            service = getenv(ServiceContract.Environment.service).map { String(cString: $0) } ?? "lmtp"
        }

        let configuration: LMTPDConfiguration
        do {
            configuration = try LMTPDConfiguration.load(path: options.configFile, service: service)
        } catch {
            bootstrapLogging(ident: "cyrus/\(service)", options).critical("configuration error: \(error)")
            if launch == .standalone {
                // Cyrus's fatal(): the client learns why, then the process ends with EX_CONFIG.
                let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "configuration error"
                _ = try? writeAll(1, "421 4.3.0 lmtpd: \(firstLine)\r\n")
            }
            return ExitStatus.config
        }
        let logger = bootstrapLogging(ident: configuration.syslogIdent, options)
        if let refusal = dropRoot(configuration) {
            logger.critical("must run as the Cyrus user: \(refusal)")
            if launch == .standalone { _ = try? writeAll(1, "421 4.3.0 lmtpd: must run as the Cyrus user: \(refusal)\r\n") }
            return ExitStatus.usage
        }
        _ = umask(configuration.umask)
        for unknown in configuration.unknownOptions {
            logger.debug("unknown imapd.conf option \(unknown.key) at \(unknown.location)")
        }
        let server = LMTPService(configuration: configuration, preauthorizeInternet: options.preauthorize, logger: logger)

        guard case .child(_, let id, _) = launch else {
            runDebugCommand(options, configuration, logger)
            _ = server.serve(inputFD: 0, outputFD: 1, stop: .onShutdownSignals)
            return exitAfterStandaloneSession(logger)
        }
        server.counters = SharedSessionMetrics.attachToMaster(logger: logger)
        let childOptions = ServiceChildOptions(
            usesArgument: options.uses, reuseTimeoutArgument: options.reuseTimeout,
            configDirectory: configuration.configDirectory, service: service, id: id,
            keepStandardError: options.logToStderr)
        let child = ServiceChild(options: childOptions) { level, text in
            logger.log(level: level.loggerLevel, "\(text)")
        }
        runDebugCommand(options, configuration, logger)
        return child.run { connection in
            _ = server.serve(inputFD: connection.inputFD, outputFD: connection.outputFD, stop: .onShutdownSignals)
        }
    }

    /// Started as root, lmtpd becomes `cyrus_user` before it opens anything the configuration
    /// or a recipient names (TLS files, the duplicate database, Maildirs): mail is never
    /// delivered as root. Returns why it cannot (then lmtpd refuses to run, as Cyrus's does).
    private static func dropRoot(_ configuration: LMTPDConfiguration) -> ServiceUser.Problem? {
        guard ServiceUser.isRoot else { return nil }
        do throws(ServiceUser.Problem) {
            try ServiceUser.resolve(userOption: configuration.cyrusUser, groupOption: configuration.cyrusGroup).become()
            return nil
        } catch {
            return error
        }
    }

    private static func exitAfterStandaloneSession(_ logger: Logger) -> Int32 {
        guard let signal = ServiceSignals.terminatingSignal else { return ExitStatus.ok }
        logger.info("exiting on signal \(signal)")
        return ExitStatus.tempFail
    }

    private static func runDebugCommand(_ options: LMTPDOptions, _ configuration: LMTPDConfiguration, _ logger: Logger) {
        guard options.debug, let command = configuration.debugCommand else { return }
        DebugCommand.run(command, program: CommandLine.arguments.first ?? "lmtpd",
                         service: configuration.service, logger: logger)
    }

    /// Installs the log backend (once per process) and returns lmtpd's logger: the journal
    /// when standard error is systemd's journal stream (minimaster under systemd passes it on;
    /// the session id becomes the `SESSION=` field), else syslog, plus standard error with
    /// `--log-to-stderr`.
    @discardableResult
    private static func bootstrapLogging(ident: String, _ options: LMTPDOptions) -> Logger {
        let level: Logger.Level = options.debug ? .debug : .info
        MailLog.bootstrap(ident: ident, level: level, to: MailLog.destinations(alsoStandardError: options.logToStderr))
        var logger = Logger(label: "lmtpd")
        logger.logLevel = level
        return logger
    }
}

extension ServiceLogLevel {
    public var loggerLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}
