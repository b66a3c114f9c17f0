/// The one line `systemctl status` shows for minimaster (`STATUS=`): per service its idle and
/// busy children and the connections served, then the disabled services, e.g.
/// `lmtpunix: 1 ready, 0 busy, 12 served; lmtp: 0 ready, 1 busy, 3 served; disabled: none`.
public enum StatusLine {
    /// One SERVICES entry, summed over its addresses.
    public struct Service: Sendable, Equatable {
        public var name: String
        /// Idle children.
        public var ready: Int
        /// Children serving a connection.
        public var busy: Int
        /// Connections the children reported.
        public var served: Int

        public init(name: String, ready: Int, busy: Int, served: Int) {
            self.name = name
            self.ready = ready
            self.busy = busy
            self.served = served
        }
    }

    /// The line for running services and the names of disabled ones.
    public static func render(_ services: [Service], disabled: [String]) -> String {
        let parts = services.map { "\($0.name): \($0.ready) ready, \($0.busy) busy, \($0.served) served" }
        let off = "disabled: " + (disabled.isEmpty ? "none" : disabled.joined(separator: ", "))
        return (parts + [off]).joined(separator: "; ")
    }

    /// The line while a shutdown drains the children.
    public static func stopping(children: Int) -> String {
        "stopping: \(children) \(children == 1 ? "child" : "children") finishing"
    }
}
