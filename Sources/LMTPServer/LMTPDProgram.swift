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
        let skeleton = ServiceProgramSkeleton(program: "lmtpd", options: options)
        let start: ServiceProgramSkeleton.Start
        switch skeleton.begin() {
        case .success(let begun): start = begun
        case .failure(let exit): return exit.status
        }
        let configuration: LMTPDConfiguration
        do {
            configuration = try LMTPDConfiguration.load(path: options.configFile, service: start.service)
        } catch {
            return skeleton.configurationFailed(error, start)
        }
        let logger = skeleton.logger(ident: configuration.syslogIdent)
        // Before anything the configuration or a recipient names is opened (TLS files, the
        // duplicate database, Maildirs): mail is never delivered as root.
        if let status = skeleton.becomeCyrusUser(configuration.cyrusUser, configuration.cyrusGroup, logger: logger, start) {
            return status
        }
        _ = umask(configuration.umask)
        for unknown in configuration.unknownOptions {
            logger.debug("unknown imapd.conf option \(unknown.key) at \(unknown.location)")
        }
        let server = LMTPService(configuration: configuration, preauthorizeInternet: options.preauthorize, logger: logger)
        if case .child = start.launch { server.counters = SharedSessionMetrics.attachToMaster(logger: logger) }
        runDebugCommand(options, configuration, logger)
        return skeleton.serve(start, configDirectory: configuration.configDirectory, logger: logger) {
            _ = server.serve(inputFD: 0, outputFD: 1, stop: .onShutdownSignals)
        } session: { connection in
            _ = server.serve(inputFD: connection.inputFD, outputFD: connection.outputFD, stop: .onShutdownSignals)
        }
    }

    private static func runDebugCommand(_ options: LMTPDOptions, _ configuration: LMTPDConfiguration, _ logger: Logger) {
        guard options.debug, let command = configuration.debugCommand else { return }
        DebugCommand.run(command, program: CommandLine.arguments.first ?? "lmtpd",
                         service: configuration.service, logger: logger)
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
