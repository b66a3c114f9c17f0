import CSASL
import Synchronization

/// libsasl2's process-wide state: `sasl_server_init` runs once per process (as in Cyrus's
/// `service_init`), with a getopt callback over the service's `sasl_*` options and a log
/// callback. Every later call into libsasl goes through `serialized`, so that the library
/// (whose plugins and databases are not all thread-safe) is entered by one thread at a time.
public enum SASLLibrary {
    /// Cyrus's application name: libsasl also reads `<plugin dir>/Cyrus.conf` if it exists.
    public static let applicationName = "Cyrus"

    private static let state = Mutex<Result<Global, SASLError>?>(nil)
    private static let calls = Mutex<Void>(())

    /// Initializes libsasl2 for this process with the options libsasl sees when no connection
    /// is involved (plugin loading, `mech_list` for the whole process). The first call does the
    /// work; later calls return its result and ignore their arguments.
    ///
    /// `loadPlugins: false` skips every plugin file (PLAIN, LOGIN, DIGEST-MD5, SCRAM, the
    /// sasldb auxprop...): for a process whose connections all offer only `EXTERNAL`, which is
    /// built into libsasl2. Loading them costs each process about 2.5 ms of CPU and 2.5 MB of
    /// resident memory (they pull in libcrypto and Berkeley DB).
    @discardableResult
    public static func start(options: SASLOptions, loadPlugins: Bool = true, log: SASLLogHandler? = nil) -> Result<Void, SASLError> {
        state.withLock { current -> Result<Void, SASLError> in
            if let current { return current.map { _ in () } }
            let global = Global(options: options, loadPlugins: loadPlugins, log: log)
            let code = calls.withLock { _ in sasl_server_init(global.callbacks.pointer, applicationName) }
            let result: Result<Global, SASLError> = code == SASL_OK
                ? .success(global) : .failure(SASLError(code: code, detail: SASLError.text(code)))
            current = result
            return result.map { _ in () }
        }
    }

    /// Where the process's libsasl2 stands.
    public enum Status: Equatable, Sendable {
        /// `start` was not called yet.
        case notStarted
        /// `start` failed (logged by its caller); no AUTH in this process.
        case failed
        /// Ready; `pluginsLoaded` tells whether the plugin files were loaded.
        case ready(pluginsLoaded: Bool)
    }

    /// Where libsasl2 stands, read under one lock.
    public static var status: Status {
        state.withLock { current in
            switch current {
            case nil: .notStarted
            case .failure?: .failed
            case .success(let global)?: .ready(pluginsLoaded: global.loadPlugins)
            }
        }
    }

    /// Whether `start` succeeded.
    public static var isReady: Bool {
        state.withLock { current in
            if case .success? = current { return true }
            return false
        }
    }

    /// The log sink of the process (connections use it too), if any.
    static var logContext: UnsafeMutableRawPointer? {
        state.withLock { current in
            guard case .success(let global)? = current, let sink = global.logSink else { return nil }
            return Unmanaged.passUnretained(sink).toOpaque()
        }
    }

    /// Runs `body` as the only thread inside libsasl.
    static func serialized<T>(_ body: () -> T) -> T {
        calls.withLock { _ in body() }
    }

    /// What the process-wide callbacks point at; never freed (libsasl keeps the pointers).
    private final class Global: @unchecked Sendable {
        let table: OptionTable
        let logSink: LogSink?
        let callbacks: CallbackList
        let loadPlugins: Bool

        init(options: SASLOptions, loadPlugins: Bool, log: SASLLogHandler?) {
            table = OptionTable(options)
            logSink = log.map(LogSink.init)
            self.loadPlugins = loadPlugins
            callbacks = CallbackList(getoptContext: Unmanaged.passUnretained(table).toOpaque(),
                                     logContext: logSink.map { Unmanaged.passUnretained($0).toOpaque() },
                                     skipPlugins: !loadPlugins)
        }
    }
}
