import POSIXCore

/// The two ends of an internet connection in libsasl2's `a.b.c.d;port` form (Cyrus's
/// `iptostring()`), which some mechanisms use; nil for unix sockets and pipes.
enum SocketEndpoints {
    static func describe(fd: Int32) -> (local: String?, remote: String?) {
        (endpoint(SocketAddress.local(of: fd)), endpoint(SocketAddress.peer(of: fd)))
    }

    private static func endpoint(_ address: SocketAddress?) -> String? {
        guard let (host, port) = address?.numericHostAndPort else { return nil }
        return "\(host);\(port)"
    }
}
