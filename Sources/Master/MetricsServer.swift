import ConfParse
import Glibc
import Logging
import POSIXCore

/// The metrics endpoint (`prometheus_enabled`, at `prometheus_listen`) as a source of the
/// supervision loop: `GET /metrics` answers ``MetricsReport`` in Prometheus's text format, or
/// OpenMetrics when the scraper's `Accept` asks for it.
///
/// Nothing here can hold the loop up: the socket and every connection are non-blocking, a
/// report is made when the loop registers its sources (so the counts are those of the status
/// pipes just drained) and written as far as the socket takes it, then whenever it polls
/// writable. An exchange gets ``exchangeTimeout`` seconds and at most ``maxConnections`` are
/// open at a time (further scrapers wait in the listen queue): a slow or hostile scraper
/// costs the loop nothing but its turn.
final class MetricsServer: EventSource {
    static let maxConnections = 16
    static let exchangeTimeout = 5.0

    let address: String
    private var fds: [Int32]
    private var connections: [MetricsConnection] = []
    private let report: (MetricsExposition.Format) -> String
    private let logger: Logger
    private var acceptPausedUntil: Double?

    private init(address: String, fds: [Int32], logger: Logger, report: @escaping (MetricsExposition.Format) -> String) {
        self.address = address
        self.fds = fds
        self.logger = logger
        self.report = report
    }

    /// Binds `address` (`host:port`, `[v6]:port`, `port` for every address, or a unix socket
    /// path), as root when minimaster starts as root; nil when it cannot (logged: minimaster
    /// runs without the endpoint).
    static func open(address: String, backlog: Int32, logger: Logger,
                     report: @escaping (MetricsExposition.Format) -> String) -> MetricsServer? {
        let specs: [BindSpec]
        do throws(ListenAddressError) {
            let parsed = try ListenAddress.parse(address)
            switch ListenResolver.resolve(parsed, proto: .tcp) {
            case .success(let resolved): specs = resolved
            case .failure(let failure):
                logger.error("prometheus_listen \(address): \(failure); no metrics endpoint")
                return nil
            }
        } catch {
            logger.error("prometheus_listen \(address): \(error); no metrics endpoint")
            return nil
        }
        var fds: [Int32] = []
        for spec in specs {
            switch ListenerSocket.open(spec, backlog: backlog) {
            case .success(let fd):
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                fds.append(fd)
            case .failure(let failure):
                logger.error("metrics endpoint \(spec.description): \(failure.description)")
            }
        }
        guard !fds.isEmpty else {
            logger.error("prometheus_listen \(address): nothing bound; no metrics endpoint")
            return nil
        }
        logger.notice("metrics endpoint: GET /metrics on \(address)")
        return MetricsServer(address: address, fds: fds, logger: logger, report: report)
    }

    /// Closes every connection and listening socket (exit).
    func close() {
        for connection in connections { Glibc.close(connection.fd) }
        connections.removeAll()
        for fd in fds { Glibc.close(fd) }
        fds.removeAll()
    }

    func register(in wait: EventWait, now: Double) {
        dropFinished(now: now)
        for connection in connections {
            if case .scraping(let format, let head) = connection.phase {
                connection.respond(status: "200 OK", contentType: format.contentType, body: report(format), omitBody: head)
            }
        }
        dropFinished(now: now)
        if connections.count < Self.maxConnections {
            if let paused = acceptPausedUntil, now < paused {
                wait.wake(at: paused, for: self)
            } else {
                acceptPausedUntil = nil
                for fd in fds { wait.watch(fd, for: self) }
            }
        }
        for connection in connections where connection.phase != .finished {
            wait.watch(connection.fd, events: Int16(connection.phase == .writing ? POLLOUT : POLLIN), for: self)
        }
        if let earliest = connections.map(\.deadline).min() { wait.wake(at: earliest, for: self) }
    }

    func descriptorReady(_ fd: Int32, events: Int16, now: Double) {
        if fds.contains(fd) {
            accept(from: fd, now: now)
            return
        }
        guard let connection = connections.first(where: { $0.fd == fd }) else { return }
        if events & Int16(POLLERR | POLLNVAL) != 0 {
            connection.fail()
        } else if connection.phase == .reading {
            connection.readRequest()
        } else if connection.phase == .writing {
            connection.writeSome()
        }
    }

    func deadlineReached(now: Double) {
        dropFinished(now: now)
    }

    private func accept(from listenFD: Int32, now: Double) {
        while connections.count < Self.maxConnections {
            switch NonBlockingSocket.accept(listenFD) {
            case .connection(let fd):
                connections.append(MetricsConnection(fd: fd, deadline: now + Self.exchangeTimeout))
            case .none:
                return
            case .failed(let error):
                logger.error("metrics endpoint: accept failed: \(error.text); not accepting for 1 s")
                acceptPausedUntil = now + 1
                return
            }
        }
    }

    /// Closes the exchanges that are done or past their deadline.
    private func dropFinished(now: Double) {
        connections.removeAll { connection in
            guard connection.phase == .finished || now >= connection.deadline else { return false }
            Glibc.close(connection.fd)
            return true
        }
    }
}
