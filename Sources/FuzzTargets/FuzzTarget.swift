/// The fuzz targets: each takes any bytes, drives the real code with them, and traps (through
/// `fatalError`) when an invariant breaks. The executables in `Fuzz/` hand libFuzzer's inputs
/// to `run`; `FuzzTargetsTests` runs every committed seed of `Fuzz/Corpus/<name>/`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A whole LMTP session (see `LMTPSessionFuzz`).
    case lmtpSession = "lmtp-session"
    /// cyrus.conf in both parser modes (see `CyrusConfFuzz`).
    case cyrusConf = "cyrus-conf"
    /// imapd.conf (see `ImapdConfFuzz`).
    case imapdConf = "imapd-conf"
    /// RCPT addresses down to Maildir paths (see `AddressFuzz`).
    case address
    /// Folder names and modified UTF-7 (see `FolderNameFuzz`).
    case folderName = "folder-name"

    /// The target's name: its executable is `fuzz-<name>`, its corpus `Fuzz/Corpus/<name>/`.
    public var name: String { rawValue }

    /// Runs the target on one input. Returns normally when every invariant held.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .lmtpSession: LMTPSessionFuzz.run(bytes)
        case .cyrusConf: CyrusConfFuzz.run(bytes)
        case .imapdConf: ImapdConfFuzz.run(bytes)
        case .address: AddressFuzz.run(bytes)
        case .folderName: FolderNameFuzz.run(bytes)
        }
    }

    /// Runs the target on libFuzzer's input.
    public func run(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        guard let data, count > 0 else { return run([]) }
        run(Array(UnsafeBufferPointer(start: data, count: count)))
    }
}
