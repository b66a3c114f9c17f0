/// Where a service listens: the `listen=` value of a SERVICES entry, parsed the way Cyrus
/// master's `service_create()` reads it.
///
/// | form | case |
/// |---|---|
/// | `/path` | ``unix(path:)`` |
/// | `port` or `/etc/services` name | ``wildcard(port:)`` (all local addresses) |
/// | `host:port` (split at the last `:`) | ``host(_:port:)`` |
/// | `[addr]:port`, `[addr]` | ``bracketed(_:port:)`` (port `nil` = 0) |
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A unix-domain socket at an absolute path (shorter than 108 bytes).
    case unix(path: String)
    /// A port number or service name on every local address.
    case wildcard(port: String)
    /// A host name or IPv4 literal (or unbracketed IPv6 literal) and a port.
    case host(String, port: String)
    /// A bracketed IPv6 (or IPv4) literal, with or without a port.
    case bracketed(String, port: String?)

    /// Longest unix socket path in bytes (`sun_path` is 108 bytes including the NUL).
    public static let maximumUnixPathLength = 107

    /// Parses a `listen=` value; throws a reason (without location) when it is invalid.
    public static func parse(_ text: String) throws(ListenAddressError) -> ListenAddress {
        if text.isEmpty { throw ListenAddressError("listen is empty") }
        if text.hasPrefix("/") {
            let length = text.utf8.count
            if length > maximumUnixPathLength {
                throw ListenAddressError(
                    "unix socket path is \(length) bytes long; the limit is \(maximumUnixPathLength)")
            }
            return .unix(path: text)
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ListenAddressError("missing ] after the bracketed address")
            }
            let address = String(text[text.index(after: text.startIndex)..<close])
            if address.isEmpty { throw ListenAddressError("empty address between [ and ]") }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .bracketed(address, port: nil) }
            guard rest.first == ":" else {
                throw ListenAddressError("unexpected text after ]: \(quoted(String(rest)))")
            }
            let port = String(rest.dropFirst())
            try checkPort(port)
            return .bracketed(address, port: port)
        }
        if let colon = text.lastIndex(of: ":") {
            let host = String(text[..<colon])
            let port = String(text[text.index(after: colon)...])
            if host.isEmpty { throw ListenAddressError("empty host before ':'") }
            try checkPort(port)
            return .host(host, port: port)
        }
        try checkPort(text)
        return .wildcard(port: text)
    }

    /// Numeric ports must be 0...65535; names must be non-empty and contain no blank, `/`,
    /// `[` or `]` (whether the name exists in `/etc/services` is checked when binding).
    private static func checkPort(_ port: String) throws(ListenAddressError) {
        if port.isEmpty { throw ListenAddressError("empty port after ':'") }
        if port.utf8.allSatisfy(\.isCDigit) {
            if (Int(port) ?? Int.max) > 65535 {
                throw ListenAddressError("port \(port) is out of range (0-65535)")
            }
            return
        }
        if port.utf8.contains(where: { $0.isCSpace || $0 == 0x2F || $0 == 0x5B || $0 == 0x5D || $0 < 0x20 }) {
            throw ListenAddressError("invalid port or service name \(quoted(port))")
        }
    }

    /// Whether this is a unix-domain socket.
    public var isUnix: Bool {
        if case .unix = self { return true }
        return false
    }

    /// The value written back in `listen=` syntax.
    public var description: String {
        switch self {
        case .unix(let path): return path
        case .wildcard(let port): return port
        case .host(let host, let port): return "\(host):\(port)"
        case .bracketed(let address, let port): return port.map { "[\(address)]:\($0)" } ?? "[\(address)]"
        }
    }
}

/// Why a `listen=` value is invalid.
public struct ListenAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, e.g. `empty port after ':'`.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
