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
        let skeleton = ServiceProgramSkeleton(program: "lmtpproxyd", options: options)
        let start: ServiceProgramSkeleton.Start
        switch skeleton.begin() {
        case .success(let begun): start = begun
        case .failure(let exit): return exit.status
        }
        let configuration: ProxyConfiguration
        do {
            configuration = try ProxyConfiguration.load(path: options.configFile, service: start.service)
        } catch {
            return skeleton.configurationFailed(error, start)
        }
        let logger = skeleton.logger(ident: configuration.syslogIdent)
        if let status = skeleton.becomeCyrusUser(configuration.cyrusUser, configuration.cyrusGroup, logger: logger, start) {
            return status
        }
        _ = umask(configuration.umask)
        let routes: any RouteSource = configuration.map.map {
            MappedRoutes(map: PostgresRouteMap(settings: $0), backends: configuration.backends, logger: logger)
        } ?? HashedRoutes(backends: configuration.backends)
        let server = LMTPProxyService(configuration: configuration, routes: routes,
                                      preauthorizeInternet: options.preauthorize, logger: logger)
        defer { server.close() }
        if case .child = start.launch { server.counters = SharedSessionMetrics.attachToMaster(logger: logger) }
        return skeleton.serve(start, configDirectory: configuration.configDirectory, logger: logger) {
            _ = server.serve(inputFD: 0, outputFD: 1, stop: .onShutdownSignals)
        } session: { connection in
            _ = server.serve(inputFD: connection.inputFD, outputFD: connection.outputFD, stop: .onShutdownSignals)
        }
    }
}
