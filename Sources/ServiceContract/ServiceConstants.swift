/// The fixed parts of the Cyrus master/service contract (docs/cyrus-compatibility.md §2).
public enum ServiceContract {
    /// Write end of the status pipe in a service child.
    public static let statusFD: Int32 = 3
    /// The listening socket in a service child.
    public static let listenFD: Int32 = 4

    /// Environment variables master sets for a child.
    public enum Environment {
        /// The cyrus.conf entry name (e.g. `lmtpunix`).
        public static let service = "CYRUS_SERVICE"
        /// Index of the listener among the addresses of one entry (`0`, `1`, ...).
        public static let id = "CYRUS_ID"
        /// `1` for DAEMON entries.
        public static let isDaemon = "CYRUS_ISDAEMON"
    }

    /// The accept lock of a service child: `{configdirectory}/socket/{service}-{id}.lock`.
    public static func acceptLockPath(configDirectory: String, service: String, id: String) -> String {
        "\(configDirectory)/socket/\(service)-\(id).lock"
    }
}
