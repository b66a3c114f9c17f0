/// Where and how to connect, from Cyrus's imapd.conf options (`sql_hostnames`,
/// `sql_database`, `sql_user`, `sql_passwd`, `sql_usessl`) plus the timeouts Cyrus leaves to
/// the library.
public struct PostgresSettings: Sendable, Equatable {
    /// One server to try: a host name or address, or a unix socket directory (an absolute
    /// path), with an optional port (libpq's default 5432 when nil).
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// Host name, IP address, or socket directory; nil: libpq's default (its local socket,
        /// or `PGHOST`).
        public var host: String?
        public var port: String?

        public init(host: String?, port: String? = nil) {
            self.host = host
            self.port = port
        }

        public var description: String {
            let name = host ?? "(default socket)"
            guard let port else { return name }
            return name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
        }
    }

    /// Tried in order until one connects (`sql_hostnames`; empty: libpq's default).
    public var endpoints: [Endpoint]
    /// `sql_database`; nil: libpq's default (the user name).
    public var database: String?
    /// `sql_user`; nil: libpq's default (the login name of the process).
    public var user: String?
    /// `sql_passwd`; nil: none (or `~/.pgpass`).
    public var password: String?
    /// `sql_usessl`: TLS is required (libpq's `sslmode=require`); off: TLS when the server
    /// offers it (`prefer`), as Cyrus's `requiressl=0`. Unix sockets never use TLS.
    public var requireSSL: Bool
    /// Seconds to wait for one endpoint to accept the connection and the login (libpq's
    /// `connect_timeout`; it treats 1 as 2).
    public var connectTimeout: Int = 3
    /// Seconds a statement may run: the server's `statement_timeout`, and (plus a second)
    /// how long the client waits for a reply before it gives the connection up.
    public var statementTimeout: Double = 5
    /// After a failed connection attempt, further attempts fail at once for this many
    /// seconds (0: always try), so that an outage costs one timeout, not one per statement.
    public var reconnectDelay: Double = 0
    /// Shown in `pg_stat_activity`.
    public var applicationName = "cyrusdelivery"

    public init(endpoints: [Endpoint] = [], database: String? = nil, user: String? = nil,
                password: String? = nil, requireSSL: Bool = false) {
        self.endpoints = endpoints
        self.database = database
        self.user = user
        self.password = password
        self.requireSSL = requireSSL
    }

    /// From Cyrus's options as written in imapd.conf; `hostnames` is `sql_hostnames`.
    public init(hostnames: String, database: String?, user: String?, password: String?, useSSL: Bool) {
        self.init(endpoints: Self.endpoints(hostnames), database: Self.nonEmpty(database), user: Self.nonEmpty(user),
                  password: Self.nonEmpty(password), requireSSL: useSSL)
    }

    /// `sql_hostnames`: a comma-separated list of `host[:port]` (`[v6address]:port` for an
    /// IPv6 address with a port); an absolute path is a unix socket directory (`/dir:port`
    /// names the socket of that port). Blanks around entries are ignored.
    public static func endpoints(_ hostnames: String) -> [Endpoint] {
        hostnames.split(separator: ",").compactMap { raw in
            let entry = raw.trimmingBlanks()
            guard !entry.isEmpty else { return nil }
            return endpoint(entry)
        }
    }

    private static func endpoint(_ entry: String) -> Endpoint {
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            let host = String(entry[entry.index(after: entry.startIndex)..<close])
            let rest = entry[entry.index(after: close)...]
            return Endpoint(host: host, port: rest.hasPrefix(":") ? nonEmpty(String(rest.dropFirst())) : nil)
        }
        guard let colon = entry.lastIndex(of: ":") else { return Endpoint(host: entry) }
        let port = entry[entry.index(after: colon)...]
        let host = String(entry[..<colon])
        // A bare IPv6 address has several colons; a port is digits only.
        let isPort = !port.isEmpty && port.allSatisfy(\.isASCIIDigit) && (entry.hasPrefix("/") || !host.contains(":"))
        return isPort ? Endpoint(host: host, port: String(port)) : Endpoint(host: entry)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// libpq's connection keywords and values for `endpoint`.
    func keywords(for endpoint: Endpoint) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if let host = endpoint.host { pairs.append(("host", host)) }
        if let port = endpoint.port { pairs.append(("port", port)) }
        if let database { pairs.append(("dbname", database)) }
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        pairs.append(("sslmode", requireSSL ? "require" : "prefer"))
        pairs.append(("connect_timeout", String(max(1, connectTimeout))))
        pairs.append(("application_name", applicationName))
        pairs.append(("client_encoding", "UTF8"))
        pairs.append(("options", "-c statement_timeout=\(Int(statementTimeout * 1000))"))
        return pairs
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension Substring {
    func trimmingBlanks() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
