import LMTP
import Logging
import POSIXCore

/// The proxy's ``DeliveryAgent``: at RCPT it routes the recipient (``RouteSource``) and relays
/// the RCPT to that backend (after its `MAIL`, sent with the transaction's first recipient
/// there), so an unknown user or a full quota is answered by the backend, at RCPT time; at DATA
/// it streams the message to every backend that accepted someone, at once (``ProxySpool``: as
/// BDAT chunks where the backend offers CHUNKING, after DATA elsewhere); after the message each
/// recipient gets its own backend's reply.
/// A backend that cannot be reached, or stops answering within ``ProxyTimeouts``, costs its
/// recipients `451 4.4.1`; the others are delivered.
public final class ProxyAgent: DeliveryAgent {
    public typealias Resolved = String
    public typealias Spool = ProxySpool

    let pool: BackendPool
    let routes: any RouteSource
    let lhloName: String
    var logger: Logger
    private var envelope: Envelope?
    /// Backends that got this transaction's MAIL, in order.
    private var started: [String] = []
    /// Backends that failed in this transaction: their further recipients get 451 at once
    /// (no second connect timeout per recipient).
    private var unavailableBackends: Set<String> = []

    public init(pool: BackendPool, routes: any RouteSource, lhloName: String, logger: Logger) {
        self.pool = pool
        self.routes = routes
        self.lhloName = lhloName
        self.logger = logger
    }

    public func mailAccepted(_ envelope: Envelope) {
        self.envelope = envelope
        started = []
        unavailableBackends = []
    }

    public func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<String, DeliveryFailure> {
        let name: String
        switch routes.route(Self.routingKey(recipient)) {
        case .backend(let backend): name = backend
        case .unplaceable(let reason):
            logger.warning("cannot place \(recipient.user): \(reason)")
            return .failure(.relayed(["451 4.4.3 Cannot find the mailbox's server now, try again later"]))
        }
        guard let connection = pool.connection(name) else {
            logger.error("the routing map names backend \(name), which proxy_backends does not list")
            return .failure(.relayed(["451 4.4.3 Mailbox server \(name) is not configured"]))
        }
        if unavailableBackends.contains(name) {
            return .failure(.relayed(["451 4.4.1 Mailbox server \(name) unavailable, try again later"]))
        }
        do throws(BackendSocket.Failure) {
            let rcpt = "RCPT TO:<\(recipient.address)>"
                + (recipient.ignoreQuota && connection.capabilities.contains("IGNOREQUOTA") ? " IGNOREQUOTA" : "")
            let reply: [String]
            if started.contains(name) {
                reply = try connection.command(rcpt)
            } else {
                reply = try open(connection, sizeHint: sizeHint, firstRecipient: rcpt)
                started.append(name)
            }
            return reply.last?.hasPrefix("250") == true ? .success(name) : .failure(.relayed(reply))
        } catch {
            return .failure(unavailable(name, error))
        }
    }

    /// Connects if needed, ends an unfinished transaction, sends MAIL with this envelope and
    /// the first RCPT (in one write when the backend offers PIPELINING); returns the RCPT's reply.
    private func open(_ connection: BackendConnection, sizeHint: Int?, firstRecipient rcpt: String)
        throws(BackendSocket.Failure) -> [String] {
        try connection.ensureOpen(lhloName: lhloName)
        try connection.resetIfNeeded()
        var mail = "MAIL FROM:<\(envelope?.sender ?? "")>"
        let capabilities = connection.capabilities
        if capabilities.contains("8BITMIME") { mail += " BODY=8BITMIME" }
        if envelope?.internationalized == true { mail += " SMTPUTF8" }
        if let sizeHint, capabilities.contains("SIZE") { mail += " SIZE=\(sizeHint)" }
        let pipelined = capabilities.contains("PIPELINING")
        try connection.send(mail + "\r\n" + (pipelined ? rcpt + "\r\n" : ""))
        let reply = try connection.readReply()
        connection.inTransaction = true
        guard reply.last?.hasPrefix("250") == true else {
            // A pipelined RCPT after a refused MAIL is answered (503) and dropped.
            if pipelined { _ = try connection.readReply() }
            throw BackendSocket.Failure(description: "MAIL refused: \(reply.last ?? "")")
        }
        return pipelined ? try connection.readReply() : try connection.command(rcpt)
    }

    public func openSpool(for recipients: [AcceptedRecipient<String>]) throws(DeliveryFailure) -> ProxySpool {
        var targets: [String] = []
        for recipient in recipients where !targets.contains(recipient.resolved) { targets.append(recipient.resolved) }
        // A backend that took MAIL but none of the recipients is reset before its next use.
        var legs: [ProxySpool.Leg] = []
        var failures: [String: String] = [:]
        for name in targets {
            guard let connection = pool.connection(name) else { continue }
            if connection.capabilities.contains("CHUNKING") {
                legs.append(ProxySpool.Leg(connection: connection, framing: .chunks))
                continue
            }
            do throws(BackendSocket.Failure) {
                let reply = try connection.command("DATA")
                guard reply.last?.hasPrefix("354") == true else {
                    failures[name] = reply.joined(separator: "\n")
                    continue
                }
                legs.append(ProxySpool.Leg(connection: connection, framing: .data))
            } catch {
                failures[name] = error.description
                logger.error("backend \(name) (\(connection.backend.address)): \(error)")
            }
        }
        return ProxySpool(legs: legs, failures: failures, logger: logger)
    }

    public func deliver(_ spool: ProxySpool, envelope: Envelope, to recipients: [AcceptedRecipient<String>])
        -> [Result<DeliveryReceipt, DeliveryFailure>] {
        spool.finish()
        var results: [Result<DeliveryReceipt, DeliveryFailure>] = []
        for recipient in recipients {
            let name = recipient.resolved
            guard let leg = spool.readyLeg(name) else {
                results.append(.failure(failure(name, spool.failures[name] ?? "not in the transaction")))
                continue
            }
            let connection = leg.connection
            do throws(BackendSocket.Failure) {
                let reply = try connection.readReply()
                results.append(reply.last?.hasPrefix("250") == true ? .success(.delivered([name])) : .failure(.relayed(reply)))
            } catch {
                logger.error("backend \(name) (\(connection.backend.address)): \(error)")
                spool.failures[name] = error.description
                results.append(.failure(failure(name, error.description)))
            }
        }
        for leg in spool.legs { leg.connection.inTransaction = false }
        return results
    }

    public func discard(_ spool: ProxySpool) {
        // A backend in the middle of DATA can only be told by closing the connection: it then
        // drops the message.
        for leg in spool.legs { leg.connection.close() }
    }

    /// Whose mailbox a recipient is: its user part (the detail and domain do not move it).
    static func routingKey(_ recipient: Recipient) -> String {
        recipient.user
    }

    private func unavailable(_ name: String, _ error: BackendSocket.Failure) -> DeliveryFailure {
        logger.error("backend \(name): \(error)")
        unavailableBackends.insert(name)
        return .relayed(["451 4.4.1 Mailbox server \(name) unavailable, try again later"])
    }

    private func failure(_ name: String, _ reason: String) -> DeliveryFailure {
        if reason.hasPrefix("4") || reason.hasPrefix("5") {
            return .relayed(reason.split(separator: "\n").map(String.init))
        }
        return .relayed(["451 4.4.1 Mailbox server \(name) failed during the message, try again later"])
    }
}
