import LMTP
import LMTPServer
import Logging
import Metrics

/// One lmtpproxyd process's server: the engine with a ``ProxyAgent`` per session, over this
/// process's ``BackendPool`` (so backend connections outlive sessions).
public final class LMTPProxyService {
    public let configuration: ProxyConfiguration
    let pool: BackendPool
    let routes: any RouteSource
    private let sessionIDs = SessionIDGenerator()
    private let logger: Logger
    /// Pre-authorize TCP clients (`-a`); unix-socket clients always are.
    public let preauthorizeInternet: Bool
    /// This process's slot of minimaster's shared counters (nil: not counting).
    public var counters: ChildCounters?

    public init(configuration: ProxyConfiguration, routes: any RouteSource, preauthorizeInternet: Bool, logger: Logger) {
        self.configuration = configuration
        self.routes = routes
        self.preauthorizeInternet = preauthorizeInternet
        self.logger = logger
        pool = BackendPool(backends: configuration.backends, timeouts: configuration.timeouts)
    }

    /// Serves one LMTP session on `inputFD` / `outputFD` (see `LMTPService.serve`).
    public func serve(inputFD: Int32, outputFD: Int32, stop: SessionStop? = nil) -> SessionEnd {
        let (client, local) = ConnectionPeer.describe(fd: inputFD)
        var settings = configuration.settings
        settings.preauthenticated = local || preauthorizeInternet
        var sessionLogger = logger
        sessionLogger[metadataKey: "client"] = "\(client.receivedDescription)"
        let agent = ProxyAgent(pool: pool, routes: routes, lhloName: settings.servername, logger: sessionLogger)
        let session = LMTPSession(settings: settings, client: client, agent: agent, logger: sessionLogger, sessionIDs: sessionIDs)
        if let counters { session.metrics = SharedSessionMetrics(counters: counters) }
        let input = DescriptorInput(fd: inputFD, idleTimeout: configuration.idleTimeout, stop: stop)
        input.isBetweenCommands = { [weak session] in !(session?.isReceivingMessage ?? false) }
        let end = session.run(input: input, output: DescriptorOutput(fd: outputFD, timeout: configuration.idleTimeout))
        sessionLogger.debug("session ended: \(end)")
        return end
    }

    /// Closes the backend connections (the process is about to exit).
    public func close() {
        pool.closeAll()
    }
}
