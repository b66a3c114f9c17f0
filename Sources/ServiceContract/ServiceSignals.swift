import CShims
import Glibc

/// The signals a service child reacts to, recorded by the C shim's handlers (installed without
/// SA_RESTART, so a blocking call returns EINTR) and announced on a self-pipe, so that a wait
/// can include `wakeFD` and never sleep through a signal that arrived just before it.
///
/// * SIGTERM, SIGINT, SIGQUIT: shut down (exit 75), after finishing a message in progress.
/// * SIGHUP: master reloads: exit 0 when idle or after the current session.
/// * SIGALRM: the `-T` idle timer between sessions.
/// * SIGPIPE: ignored (a vanished client is a write error, not a death).
///
/// Unlike Cyrus's one-shot SIGTERM handler, a second SIGTERM does not kill the process: the
/// drain of a message in progress is allowed to finish.
public enum ServiceSignals {
    /// The shutdown signals.
    public static let termination: [Int32] = [SIGTERM, SIGINT, SIGQUIT]

    /// Installs the handlers for a master's child: shutdown, SIGHUP and SIGALRM.
    @discardableResult
    public static func installForChild() -> Bool {
        install(termination + [SIGHUP, SIGALRM])
    }

    /// Installs the shutdown handlers only (a program serving one session on stdin/stdout
    /// keeps the default SIGHUP).
    @discardableResult
    public static func installForStandalone() -> Bool {
        install(termination)
    }

    private static func install(_ signals: [Int32]) -> Bool {
        signal(SIGPIPE, SIG_IGN)
        return signals.withUnsafeBufferPointer {
            // A mask inherited from the parent (a test runner's thread, say) must not hold them.
            cshim_catch_signals($0.baseAddress, Int32($0.count)) == 0
                && cshim_unblock_signals($0.baseAddress, Int32($0.count)) == 0
        }
    }

    /// A shutdown signal arrived (it stays pending: the process is on its way out).
    public static var terminationRequested: Bool {
        termination.contains { cshim_signal_pending($0) != 0 }
    }

    /// The first pending shutdown signal, for the log.
    public static var terminatingSignal: Int32? {
        termination.first { cshim_signal_pending($0) != 0 }
    }

    /// SIGHUP arrived.
    public static var hangupRequested: Bool { cshim_signal_pending(SIGHUP) != 0 }

    /// The `-T` alarm went off.
    public static var alarmed: Bool { cshim_signal_pending(SIGALRM) != 0 }

    /// Any signal that ends an idle child (Cyrus's `signals_poll()` being non-zero).
    public static var anyPending: Bool { terminationRequested || hangupRequested || alarmed }

    /// Readable after any caught signal; -1 before the handlers are installed.
    public static var wakeFD: Int32 { cshim_signal_pipe_fd() }

    /// Empties the self-pipe (call after it polled readable, then look at the flags).
    public static func drainWake() { cshim_drain_signal_pipe() }
}
