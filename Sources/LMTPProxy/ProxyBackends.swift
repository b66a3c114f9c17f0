// LMTPProxy: depends on LMTP (the engine), ConfParse, ServiceContract, MailLogging, POSIXCore.

/// Where a backend's LMTP server listens.
public enum BackendAddress: Sendable, Equatable, CustomStringConvertible {
    /// A unix socket path.
    case unix(String)
    /// A host (name, IPv4 or IPv6 address) and TCP port.
    case inet(host: String, port: UInt16)

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .inet(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// `/path`, `host:port` or `[v6]:port`; nil when malformed.
    public static func parse(_ text: String) -> BackendAddress? {
        if text.hasPrefix("/") { return .unix(text) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":"),
                  let port = UInt16(text[text.index(close, offsetBy: 2)...]), port > 0 else { return nil }
            return .inet(host: String(text[text.index(after: text.startIndex)..<close]), port: port)
        }
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        return .inet(host: String(text[..<colon]), port: port)
    }
}

/// One backend: its name (what the routing map says) and its address.
public struct ProxyBackend: Sendable, Equatable {
    public var name: String
    public var address: BackendAddress

    public init(name: String, address: BackendAddress) {
        self.name = name
        self.address = address
    }

    /// Our option `proxy_backends`: `name=address` words separated by spaces or commas, e.g.
    /// `a=10.0.0.1:2003 b=/run/cyrus/socket/lmtp`. Throws the first bad word; names are unique
    /// and made of letters, digits, `-`, `_`, `.`.
    public static func parseList(_ text: String) throws(ProxyConfigurationError) -> [ProxyBackend] {
        var backends: [ProxyBackend] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
            guard let equals = word.firstIndex(of: "=") else {
                throw ProxyConfigurationError("proxy_backends: \"\(word)\" is not name=address")
            }
            let name = String(word[..<equals])
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw ProxyConfigurationError("proxy_backends: \"\(name)\" is not a backend name")
            }
            guard let address = BackendAddress.parse(String(word[word.index(after: equals)...])) else {
                throw ProxyConfigurationError("proxy_backends: \"\(word)\": the address is not host:port, [v6]:port or /path")
            }
            guard !backends.contains(where: { $0.name == name }) else {
                throw ProxyConfigurationError("proxy_backends: backend \"\(name)\" is named twice")
            }
            backends.append(ProxyBackend(name: name, address: address))
        }
        return backends
    }
}

/// A configuration the proxy cannot run with.
public struct ProxyConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
