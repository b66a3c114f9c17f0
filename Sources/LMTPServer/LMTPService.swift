import Glibc
import LMTP
import Logging
import Mailstore
import Metrics
import TLS

/// One lmtpd process's delivery service: the configuration, the store and the session-id
/// generator, serving connections one after another (the process keeps nothing else between
/// sessions, so a master's child can call `serve` once per accepted connection).
public final class LMTPService {
    public let configuration: LMTPDConfiguration
    public let store: Mailstore
    /// `-a`: internet clients count as authenticated (trusted hosts only).
    public let preauthorizeInternet: Bool
    private let sessionIDs = SessionIDGenerator()
    private let logger: Logger
    /// STARTTLS's context, built once (nil: TLS off, or its setup failed; see `+TLS`).
    let tlsContext: TLSServerContext?
    /// Users' compiled Sieve scripts, kept for the life of the process.
    let sieveScripts = SieveScriptCache()
    /// This process's slot of minimaster's shared counters (nil: not started by a minimaster
    /// with metrics on).
    public var counters: ChildCounters?

    public init(configuration: LMTPDConfiguration, preauthorizeInternet: Bool, logger: Logger) {
        self.configuration = configuration
        self.store = Mailstore(config: configuration.mailstore)
        self.preauthorizeInternet = preauthorizeInternet
        self.logger = logger
        tlsContext = Self.makeTLSContext(configuration, logger: logger)
    }

    /// Serves one LMTP session whose bytes arrive on `inputFD` and whose replies go to
    /// `outputFD` (the same socket, or stdin/stdout pipes).
    /// `stopOnSignal` is asked when a signal interrupts a wait for input (`true`: end with
    /// `421 4.4.1 bye Interrupted system call`). `stop` ends the session at the next wait for a
    /// command, never inside a message body (`421 4.3.2 bye server shutting down`).
    public func serve(inputFD: Int32, outputFD: Int32, stopOnSignal: @escaping () -> Bool = { false },
                      stop: SessionStop? = nil) -> SessionEnd {
        let (client, local) = ConnectionPeer.describe(fd: inputFD)
        var settings = configuration.settings
        settings.preauthenticated = local || preauthorizeInternet
        var sessionLogger = logger
        sessionLogger[metadataKey: "client"] = "\(client.receivedDescription)"
        let agent = MaildirDeliveryAgent(store: store, addressing: configuration.addressing,
                                         policy: configuration.policy, logger: sessionLogger)
        var filter = sieveFilter(logger: sessionLogger)
        filter.counters = counters
        agent.filter = filter
        agent.submitter = SendmailSubmitter(path: configuration.sieve.sendmail)
        let session = LMTPSession(settings: settings, client: client, agent: agent, logger: sessionLogger, sessionIDs: sessionIDs)
        session.authenticator = authenticator(fd: inputFD, preauthorized: settings.preauthenticated, logger: sessionLogger)
        if let counters { session.metrics = SharedSessionMetrics(counters: counters) }
        let input = DescriptorInput(fd: inputFD, idleTimeout: configuration.idleTimeout,
                                    shouldStopOnSignal: stopOnSignal, stop: stop)
        input.isBetweenCommands = { [weak session] in !(session?.isReceivingMessage ?? false) }
        let tls = tlsUpgrader(preauthenticated: settings.preauthenticated, input: input, outputFD: outputFD)
        let end = session.run(input: input, output: DescriptorOutput(fd: outputFD, timeout: configuration.idleTimeout), tls: tls)
        tls?.finish()
        sessionLogger.debug("session ended: \(end)")
        return end
    }
}

extension LMTPService {
    /// Sieve at delivery, with this process's script cache.
    func sieveFilter(logger: Logger) -> SieveFilter {
        let sieve = configuration.sieve
        return SieveFilter(
            store: store, settings: sieve,
            locator: SieveScriptLocator(layout: sieve.layout, partitionRoot: configuration.mailstore.partitionRoot,
                                        sievedir: sieve.sievedir, configDirectory: configuration.configDirectory),
            cache: sieveScripts, tracking: configuration.policy.tracking, separator: configuration.policy.separator,
            servername: configuration.settings.servername, messageIDs: .shared, logger: logger)
    }
}
