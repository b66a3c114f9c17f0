// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.

/// sysexits(3) codes, as Cyrus's programs use them (lmtpd, the service contract, master).
/// ConfParse keeps its own `ConfigReport.exitConfigError` (78): it imports nothing of ours.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    /// `EX_UNAVAILABLE`: master with `master_bind_errors_fatal: yes` after a bind error.
    public static let unavailable: Int32 = 69
    public static let software: Int32 = 70
    /// `EX_OSERR`: fork, pipe, lock, accept failures; an exec that failed in a spawned child.
    public static let osError: Int32 = 71
    /// `EX_TEMPFAIL`: a child asked to stop (SIGTERM); master counts it as "was killed".
    public static let tempFail: Int32 = 75
    /// `EX_CONFIG`.
    public static let config: Int32 = 78
}
