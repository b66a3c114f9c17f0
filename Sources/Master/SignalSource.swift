import CShims
import Glibc

/// The signals master reacts to, recorded by the C shim's async-signal-safe handler and
/// announced on its self-pipe, which the main loop polls: no signal is lost between a check
/// and the next `poll`, and nothing but a flag store and a one-byte write happens in the
/// handler. As an ``EventSource`` it only wakes the loop: the pass calls ``take()``.
final class SignalSource: EventSource {
    /// What arrived since the last ``take()``.
    struct Pending: Equatable {
        var childExited = false
        var hangup = false
        /// The first shutdown signal seen (SIGTERM, SIGINT or SIGQUIT).
        var shutdown: Int32?
    }

    static let shutdownSignals: [Int32] = [SIGTERM, SIGINT, SIGQUIT]

    /// Installs the handlers (SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT) and ignores SIGPIPE.
    /// Children get default dispositions back in `cshim_spawn`.
    static func install() -> Bool {
        signal(SIGPIPE, SIG_IGN)
        let signals = [SIGCHLD, SIGHUP] + shutdownSignals
        return signals.withUnsafeBufferPointer { cshim_catch_signals($0.baseAddress, Int32($0.count)) == 0 }
    }

    /// The self-pipe's read end.
    var fd: Int32 { cshim_signal_pipe_fd() }

    func register(in wait: EventWait, now: Double) {
        wait.watch(fd, for: self)
    }

    /// Empties the self-pipe, then collects the flags (in that order, so a signal arriving in
    /// between leaves a byte behind and wakes the next poll).
    func take() -> Pending {
        cshim_drain_signal_pipe()
        var pending = Pending()
        pending.childExited = cshim_take_signal(SIGCHLD) != 0
        pending.hangup = cshim_take_signal(SIGHUP) != 0
        for signal in Self.shutdownSignals where cshim_take_signal(signal) != 0 {
            if pending.shutdown == nil { pending.shutdown = signal }
        }
        return pending
    }
}
