// The LMTP proxy's options (lmtpproxyd): ours, not Cyrus's (Cyrus's lmtpproxyd finds backends
// through its mupdate server instead).

extension ImapdOption where Value == String {
    /// Ours: the backends, `name=host:port`, `name=[v6]:port` or `name=/unix/path`, separated by
    /// spaces or commas; default none.
    public static var proxyBackends: Self { .string("proxy_backends", default: "").ours }
}

extension ImapdOption where Value == Int {
    /// Ours: seconds to connect to a backend and get its greeting and LHLO answer, default 10.
    public static var proxyConnectTimeout: Self { .duration("proxy_connect_timeout", defaultSeconds: 10, defaultUnit: 1).ours }
    /// Ours: seconds to wait for any one backend reply (or to write a piece of a message),
    /// default 300.
    public static var proxyTimeout: Self { .duration("proxy_timeout", defaultSeconds: 300, defaultUnit: 1).ours }
}

extension ImapdOption where Value == String {
    /// Ours: the query that names a user's backend (one parameter, the user; the first column
    /// of the first row), default `SELECT backend FROM mailbox_routes WHERE userid = $1`.
    public static var proxyMapQuery: Self {
        .string("proxy_map_query", default: "SELECT backend FROM mailbox_routes WHERE userid = $1").ours
    }
    /// Ours: the channel whose NOTIFYs announce a change of the routing map (the payload a user,
    /// or empty for "anything"), default `mailbox_routes`.
    public static var proxyMapChannel: Self { .string("proxy_map_channel", default: "mailbox_routes").ours }
}
