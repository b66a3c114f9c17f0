import ConfParse
import Glibc
import Logging
import MailLogging
import POSIXCore
import ServiceContract
import Systemd

/// minimaster's supervisor: Cyrus master's startup order, then the event loop.
///
/// 0. what systemd gives this very process: the passed sockets (`LISTEN_FDS`) and the watchdog
///    interval (`WATCHDOG_USEC`), taken before anything can fork;
/// 1. imapd.conf with ident `master` (`configdirectory` required; `syslog_prefix`,
///    `master_bind_errors_fatal`); logging as `<syslog_prefix or cyrus>/master` to the journal
///    when standard error is the journal stream, else to syslog, and to standard error in the
///    foreground or with `-L`;
/// 2. cyrus.conf and every program of it (errors: file:line on standard error, exit 78);
/// 3. `-d`: fork, the parent exits with the child's startup result; stdio redirected; the
///    child tells systemd `MAINPID=`;
/// 4. pidfile (`-p`, or the default with `-d`), `{configdirectory}/socket` created if missing;
/// 5. every listener bound or taken from systemd (errors disable the listener, or exit 69 with
///    `master_bind_errors_fatal: yes`), passed sockets no service claims closed; the status
///    socket `{configdirectory}/socket/minimaster.status` created (``StatusServer``);
/// 6. started as root: become `cyrus_user` (privileged ports are bound by now); then START
///    entries to completion, EVENTS scheduled (`period` ones run in the loop's first pass),
///    `wait=y` daemons started;
/// 7. the loop, until a shutdown signal and the drain are over (`READY=1` once the services'
///    children have started, see ``ServiceManagerLink``).
public enum Master {
    /// Runs minimaster; returns the process exit status.
    public static func run(_ options: MasterOptions) -> Int32 {
        var options = options
        let activated = ActivatedSockets.take()
        let watchdogInterval = Watchdog.intervalMicroseconds()
        options.cyrusConfPath = absolute(options.cyrusConfPath)
        options.imapdConfPath = absolute(options.imapdConfPath)
        if let logfile = options.logfile {
            if let problem = StandardStreams.appendOutput(to: absolute(logfile)) {
                writeStderr("minimaster: \(problem)\n")
                return MasterExit.osError
            }
        }
        let imapd: ImapdSettings
        switch ImapdSettings.load(path: options.imapdConfPath) {
        case .success(let settings): imapd = settings
        case .failure(let error):
            writeStderr(error.description + "\n")
            return MasterExit.config
        }
        let toStderr = !options.daemonize || options.logfile != nil
        MailLog.bootstrap(ident: "\(imapd.syslogPrefix)/master", level: options.verbose > 0 ? .debug : .info,
                          to: MailLog.destinations(alsoStandardError: toStderr))
        var logger = Logger(label: "minimaster")
        func fatal(_ message: String) {
            logger.critical("\(message)")
            if !toStderr { writeStderr("minimaster: \(message)\n") }
            Notifier.status(message)   // what `systemctl status` shows of the failure
        }

        let lookup = ExecutableLookup.standard()
        let configuration: MasterConfiguration
        let loadStarted = MonotonicClock.now()
        do throws(MasterConfiguration.Problem) {
            configuration = try MasterConfiguration.load(path: options.cyrusConfPath, lookup: lookup)
        } catch {
            for message in error.messages { fatal(message) }
            return MasterExit.config
        }
        for warning in configuration.warnings { logger.warning("\(warning)") }

        var readiness: Daemonizer.Readiness?
        if options.daemonize {
            guard let child = Daemonizer.detach() else {
                fatal("unable to fork into the background: \(errnoText())")
                return MasterExit.osError
            }
            readiness = child
            logger = Logger(label: "minimaster")   // the pid changed
            Notifier.mainPID(getpid())
            if chdir(imapd.configDirectory + "/cores") != 0 { _ = chdir("/") }
            if options.logfile == nil { StandardStreams.nullify([1, 2]) }
        }
        if !options.keepStdio { StandardStreams.nullify([0]) }
        func finish(_ status: Int32) -> Int32 {
            readiness?.report(status)
            return status
        }

        var pidfileFD: Int32 = -1
        if let path = options.effectivePidfile {
            switch Pidfile.acquire(path) {
            case .success(let fd): pidfileFD = fd
            case .failure(let failure):
                fatal(failure.description)
                return finish(failure.exitCode)
            }
        }
        defer { if pidfileFD >= 0 { close(pidfileFD) } }
        let createdSocketDirectory = ensureSocketDirectory(imapd.configDirectory, logger: logger)

        guard SignalSource.install() else {
            fatal("unable to install signal handlers: \(errnoText())")
            return finish(MasterExit.osError)
        }
        logger.notice("process started: \(options.cyrusConfPath), \(options.imapdConfPath)")
        // Resolved before binding, so that a missing user is reported before anything listens.
        var serviceUser: ServiceUser?
        if ServiceUser.isRoot {
            do throws(ServiceUser.Problem) {
                serviceUser = try imapd.serviceUser()
            } catch {
                fatal("\(error)")
                return finish(MasterExit.config)
            }
        }

        var settings = Supervisor.Settings()
        settings.backlog = options.backlog
        settings.drainTimeout = options.drainTimeout
        settings.lookup = lookup
        settings.metrics = imapd.prometheusEnabled ? MasterMetrics.create(logger: logger) : nil
        settings.metrics?.configurationLoadSeconds = MonotonicClock.now() - loadStarted
        let manager = ServiceManagerLink(watchdogMicroseconds: watchdogInterval, now: MonotonicClock.now())
        let supervisor = Supervisor(configuration: configuration, settings: settings, logger: logger,
                                    activatedSockets: activated, manager: manager)
        for definition in configuration.definitions {
            let errors = supervisor.createListeners(for: definition)
            if !errors.isEmpty && imapd.bindErrorsFatal {
                fatal("bind errors are fatal (master_bind_errors_fatal: yes): exiting")
                return finish(MasterExit.unavailable)
            }
        }
        activated.closeUnclaimed(logger: logger)
        // Created as root when root (any socket directory will do), for the user it becomes.
        let statusServer = StatusServer.open(configDirectory: imapd.configDirectory,
                                             owner: serviceUser.map { ($0.uid, $0.gid) }, logger: logger) {
            [unowned supervisor] in StatusSnapshot.capture(supervisor)
        }
        defer { statusServer?.close() }
        if let statusServer { supervisor.addSource(statusServer) }
        let metricsServer = settings.metrics.flatMap { metrics in
            MetricsServer.open(address: imapd.prometheusListen, backlog: options.backlog, logger: logger) {
                [unowned supervisor] format in MetricsReport.render(supervisor, metrics, format: format)
            }
        }
        defer { metricsServer?.close() }
        if let metricsServer { supervisor.addSource(metricsServer) }
        if let serviceUser {
            ChildStartProbe.prepare()
            guard drop(to: serviceUser, socketDirectory: createdSocketDirectory, logger: logger, fatal: fatal) else {
                return finish(MasterExit.osError)
            }
        }
        guard StartCommands.run(configuration.start, environment: Supervisor.currentEnvironment(), logger: logger) else {
            return finish(MasterExit.startupFailed)
        }
        supervisor.events.load(configuration.events)
        guard supervisor.startWaitDaemons() else {
            return finish(MasterExit.osError)
        }
        readiness?.report(MasterExit.ok)
        return supervisor.run()
    }

    /// `{configdirectory}/socket` holds the children's accept locks: created when missing.
    /// Returns its path when this call created it.
    static func ensureSocketDirectory(_ configDirectory: String, logger: Logger) -> String? {
        let path = configDirectory + "/socket"
        var info = stat()
        if stat(path, &info) == 0 { return nil }
        if mkdir(path, 0o755) == 0 {
            logger.notice("created \(path) for the services' accept locks")
            return path
        }
        logger.error("unable to create \(path) (services' accept locks): \(errnoText())")
        return nil
    }

    /// Started as root: the listeners are bound, so become `cyrus_user` before any START entry
    /// or child runs (a socket directory created here goes to that user first, so the
    /// children can take their accept locks in it). On failure nothing has run yet.
    static func drop(to user: ServiceUser, socketDirectory: String?, logger: Logger,
                     fatal: (String) -> Void) -> Bool {
        if let socketDirectory, !user.takeOwnership(of: socketDirectory) {
            logger.error("unable to give \(socketDirectory) to \(user.name): \(errnoText())")
        }
        do throws(ServiceUser.Problem) {
            try user.become()
        } catch {
            fatal("\(error)")
            return false
        }
        logger.notice("running as \(user.name) (uid \(user.uid), gid \(user.gid))")
        return true
    }

    /// `path` made absolute against the current directory (cyrus.conf is re-read on SIGHUP,
    /// possibly after a `chdir`).
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + path
    }

    static func writeStderr(_ text: String) {
        _ = try? writeAll(2, text)
    }
}
