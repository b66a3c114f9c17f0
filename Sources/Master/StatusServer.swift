import Glibc
import Logging
import POSIXCore

/// The status socket as a source of the supervision loop (`minimaster status`).
///
/// Nothing here can hold the loop up: the socket and every connection are non-blocking; a
/// connection's request is read as it arrives, and its answer, made from a
/// ``StatusSnapshot`` when the loop registers its sources (after a full pass, so the counts
/// are those of the status pipes just drained), is written as far as the socket takes it and
/// then whenever it polls writable. A connection gets ``answerTimeout`` seconds for the whole
/// exchange and is closed after that; at most ``maxConnections`` are open at a time (further
/// clients wait in the listen queue). Only root and minimaster's own effective user are
/// answered (`SO_PEERCRED`); anyone else gets one `refused:` line, and is logged, at most
/// one line per second with a count of those left out.
final class StatusServer: EventSource {
    static let maxConnections = 8
    static let answerTimeout = 5.0
    /// How long a refused client may take to close its end.
    static let refusedTimeout = 1.0

    let path: String
    private var created: StatusSocket.Created?
    private var connections: [StatusConnection] = []
    private let snapshot: () -> StatusSnapshot
    private let logger: Logger
    /// After an accept error such as EMFILE: no accept before this time (no busy loop).
    private var acceptPausedUntil: Double?
    private var lastRefusalLogged = -Double.infinity
    private var refusalsNotLogged = 0

    private init(path: String, created: StatusSocket.Created, logger: Logger, snapshot: @escaping () -> StatusSnapshot) {
        self.path = path
        self.created = created
        self.logger = logger
        self.snapshot = snapshot
    }

    /// Creates the socket in `{configDirectory}/socket` (given to `owner` when minimaster
    /// will become that user); nil when it cannot (logged: minimaster runs without it).
    static func open(configDirectory: String, owner: (uid: uid_t, gid: gid_t)?, logger: Logger,
                     snapshot: @escaping () -> StatusSnapshot) -> StatusServer? {
        let path = StatusSocket.path(configDirectory: configDirectory)
        switch StatusSocket.create(at: path, owner: owner) {
        case .success(let created):
            logger.info("status socket \(path) (minimaster status)")
            return StatusServer(path: path, created: created, logger: logger, snapshot: snapshot)
        case .failure(let failure):
            logger.error("status socket: \(failure.description); minimaster status will not answer")
            return nil
        }
    }

    /// Closes every connection and the socket, and removes the socket file (exit).
    func close() {
        for connection in connections { Glibc.close(connection.fd) }
        connections.removeAll()
        guard let created else { return }
        Glibc.close(created.fd)
        if !StatusSocket.remove(created, path: path) {
            logger.notice("unable to remove \(path): \(errnoText())")
        }
        self.created = nil
    }

    func register(in wait: EventWait, now: Double) {
        dropFinished(now: now)
        for connection in connections {
            if case .answering(let request) = connection.phase { connection.answer(answer(request)) }
        }
        dropFinished(now: now)
        if let created, connections.count < Self.maxConnections {
            if let paused = acceptPausedUntil, now < paused {
                wait.wake(at: paused, for: self)
            } else {
                acceptPausedUntil = nil
                wait.watch(created.fd, for: self)
            }
        }
        for connection in connections {
            guard connection.phase != .finished else { continue }
            wait.watch(connection.fd, events: Int16(connection.phase == .writing ? POLLOUT : POLLIN), for: self)
        }
        if let earliest = connections.map(\.deadline).min() { wait.wake(at: earliest, for: self) }
    }

    func descriptorReady(_ fd: Int32, events: Int16, now: Double) {
        if let created, fd == created.fd {
            acceptConnections(from: fd, now: now)
            return
        }
        guard let connection = connections.first(where: { $0.fd == fd }) else { return }
        if events & Int16(POLLERR | POLLNVAL) != 0 {
            connection.fail()
        } else if connection.phase == .reading {
            connection.readRequest()
        } else if connection.phase == .writing {
            connection.writeSome()
        } else if connection.phase == .draining {
            connection.drain()
        }
    }

    func deadlineReached(now: Double) {
        dropFinished(now: now)
    }

    /// The answer to a request, first line included.
    private func answer(_ request: StatusConnection.Request) -> String {
        let state = snapshot()
        switch request {
        case .text: return "ok\n" + StatusText.render(state)
        case .json: return "ok\n" + StatusJSON.render(state)
        }
    }

    /// Accepts what waits, up to the connection limit; refuses other users at once.
    private func acceptConnections(from listenFD: Int32, now: Double) {
        while connections.count < Self.maxConnections {
            let fd: Int32
            switch NonBlockingSocket.accept(listenFD) {
            case .connection(let accepted):
                fd = accepted
            case .none:
                return
            case .failed(let error):
                logger.error("status socket: accept failed: \(error.text); not accepting for 1 s")
                acceptPausedUntil = now + 1
                return
            }
            let peer: PeerCredentials
            do throws(Errno) {
                peer = try PeerCredentials.of(fd)
            } catch {
                logger.error("status socket: unable to identify a client (SO_PEERCRED): \(error.text); connection closed")
                Glibc.close(fd)
                continue
            }
            let own = geteuid()
            guard peer.uid == 0 || peer.uid == own else {
                let connection = StatusConnection(fd: fd, peer: peer, deadline: now + Self.refusedTimeout)
                connection.refuse("refused: uid \(peer.uid) may not ask for minimaster's status (only root and uid \(own) may)\n")
                connections.append(connection)
                logRefusal(peer, own: own, now: now)
                continue
            }
            connections.append(StatusConnection(fd: fd, peer: peer, deadline: now + Self.answerTimeout))
        }
    }

    /// One warning per refused connection, at most one line a second (the next one counts
    /// those left out).
    private func logRefusal(_ peer: PeerCredentials, own: uid_t, now: Double) {
        guard now - lastRefusalLogged >= 1 else {
            refusalsNotLogged += 1
            return
        }
        let more = refusalsNotLogged > 0 ? " (and \(refusalsNotLogged) more since the last such line)" : ""
        logger.warning("status request refused: uid \(peer.uid) (pid \(peer.pid)) is neither root nor uid \(own)\(more)")
        lastRefusalLogged = now
        refusalsNotLogged = 0
    }

    /// Closes the connections that are done, and those past their deadline (logged).
    private func dropFinished(now: Double) {
        connections.removeAll { connection in
            if connection.phase == .finished {
                Glibc.close(connection.fd)
                return true
            }
            guard now >= connection.deadline else { return false }
            // A refused client was logged when it came.
            if connection.phase != .draining { logger.info("status client pid \(connection.peer.pid) (uid \(connection.peer.uid)) \(connection.stalledStep) within \(seconds(Self.answerTimeout)): closed") }
            Glibc.close(connection.fd)
            return true
        }
    }
}
