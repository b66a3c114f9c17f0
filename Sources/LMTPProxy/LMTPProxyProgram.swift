import ConfParse
import Glibc
import LMTPServer
import Logging
import MailLogging
import POSIXCore
import ServiceContract

/// The whole lmtpproxyd program (lmtpd's flags, `LMTPDOptions`), over the same service contract as lmtpd: started by a
/// Cyrus-compatible master (listening socket on fd 4, status pipe on fd 3) it runs Cyrus's
/// service-child loop, one proxied session per accepted connection, its backend connections
/// kept from one session to the next; otherwise it proxies one session on standard input and
/// output. Signals end it as they end lmtpd.
public enum LMTPProxyProgram {
    public static func run(_ options: LMTPDOptions) -> Int32 {
        let launch = options.singleSession ? .standalone : ServiceLaunch.detect()
        let service: String
        switch launch {
        case .missingEnvironment(let variable):
            bootstrapLogging(ident: "cyrus/lmtp", options).error("could not getenv(\(variable)); exiting")
            return ExitStatus.software
        case .child(let name, _, _):
            ServiceSignals.installForChild()
            service = name
        case .standalone:
            ServiceSignals.installForStandalone()
            service = getenv(ServiceContract.Environment.service).map { String(cString: $0) } ?? "lmtp"
        }
        let configuration: ProxyConfiguration
        do {
            configuration = try ProxyConfiguration.load(path: options.configFile, service: service)
        } catch {
            bootstrapLogging(ident: "cyrus/\(service)", options).critical("configuration error: \(error)")
            if launch == .standalone { _ = try? writeAll(1, "421 4.3.0 lmtpproxyd: configuration error\r\n") }
            return ExitStatus.config
        }
        let logger = bootstrapLogging(ident: configuration.syslogIdent, options)
        if ServiceUser.isRoot {
            do throws(ServiceUser.Problem) {
                try ServiceUser.resolve(userOption: configuration.cyrusUser, groupOption: configuration.cyrusGroup).become()
            } catch {
                logger.critical("must run as the Cyrus user: \(error)")
                return ExitStatus.usage
            }
        }
        _ = umask(configuration.umask)
        let routes: any RouteSource = configuration.map.map {
            MappedRoutes(map: PostgresRouteMap(settings: $0), backends: configuration.backends, logger: logger)
        } ?? HashedRoutes(backends: configuration.backends)
        let server = LMTPProxyService(configuration: configuration, routes: routes,
                                      preauthorizeInternet: options.preauthorize, logger: logger)
        defer { server.close() }
        guard case .child(_, let id, _) = launch else {
            _ = server.serve(inputFD: 0, outputFD: 1, stop: .onShutdownSignals)
            return ServiceSignals.terminatingSignal == nil ? ExitStatus.ok : ExitStatus.tempFail
        }
        server.counters = SharedSessionMetrics.attachToMaster(logger: logger)
        let childOptions = ServiceChildOptions(
            usesArgument: options.uses, reuseTimeoutArgument: options.reuseTimeout,
            configDirectory: configuration.configDirectory, service: service, id: id,
            keepStandardError: options.logToStderr)
        let child = ServiceChild(options: childOptions) { level, text in
            logger.log(level: level.loggerLevel, "\(text)")
        }
        return child.run { connection in
            _ = server.serve(inputFD: connection.inputFD, outputFD: connection.outputFD, stop: .onShutdownSignals)
        }
    }

    @discardableResult
    private static func bootstrapLogging(ident: String, _ options: LMTPDOptions) -> Logger {
        let level: Logger.Level = options.debug ? .debug : .info
        MailLog.bootstrap(ident: ident, level: level, to: MailLog.destinations(alsoStandardError: options.logToStderr))
        var logger = Logger(label: "lmtpproxyd")
        logger.logLevel = level
        return logger
    }
}
