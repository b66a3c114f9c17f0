/// What a session tells the metrics as it goes: plain calls on the session's thread, at most a
/// few per message; an implementation must not block, allocate or make system calls (lmtpd's
/// adds to its slot of minimaster's shared counters). The default does nothing.
public protocol SessionMetrics: AnyObject {
    /// A connection's session starts (`true`) or has ended (`false`).
    func session(active: Bool)
    /// A message was received to its end: its stored size and number of recipients.
    func messageReceived(size: Int, recipients: Int)
    /// One recipient's outcome (at RCPT for a refused recipient, after the message otherwise).
    func recipient(_ status: DeliveryStatus)
    /// Seconds from a message's end to its replies.
    func deliveryLatency(_ seconds: Double)
    /// An AUTH exchange ended.
    func authentication(succeeded: Bool)
    /// A STARTTLS handshake ended.
    func startTLS(succeeded: Bool)
}

/// Counts nothing.
public final class NoSessionMetrics: SessionMetrics {
    public init() {}
    public func session(active: Bool) {}
    public func messageReceived(size: Int, recipients: Int) {}
    public func recipient(_ status: DeliveryStatus) {}
    public func deliveryLatency(_ seconds: Double) {}
    public func authentication(succeeded: Bool) {}
    public func startTLS(succeeded: Bool) {}
}
