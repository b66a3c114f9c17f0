import ServiceContract

/// How a server asks a session to end at the next command (the SIGTERM drain): the session's
/// input looks at `isRequested` before each wait for a command and whenever `wakeFD` becomes
/// readable, and then ends the session with `StreamError.shuttingDown`. Inside a message body
/// the request waits until the message was read, delivered and answered.
public struct SessionStop {
    /// Becomes readable when `isRequested` may have turned true (a signal self-pipe); -1: none.
    public var wakeFD: Int32
    /// Empties `wakeFD` after it polled readable.
    public var drainWake: () -> Void
    /// Whether the server wants the session to end.
    public var isRequested: () -> Bool

    public init(wakeFD: Int32, drainWake: @escaping () -> Void, isRequested: @escaping () -> Bool) {
        self.wakeFD = wakeFD
        self.drainWake = drainWake
        self.isRequested = isRequested
    }

    /// Stop on the process's shutdown signals (SIGTERM, SIGINT, SIGQUIT; see `ServiceSignals`,
    /// whose handlers must be installed).
    public static var onShutdownSignals: SessionStop {
        SessionStop(wakeFD: ServiceSignals.wakeFD, drainWake: ServiceSignals.drainWake,
                    isRequested: { ServiceSignals.terminationRequested })
    }
}
