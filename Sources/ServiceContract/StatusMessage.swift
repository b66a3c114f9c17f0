/// What a service child tells its master over the status pipe (fd 3): Cyrus's
/// `struct notify_message`, two native `int`s (code, pid), 8 bytes in host byte order, one
/// `write` each.
public struct StatusMessage: Sendable, Equatable {
    public enum Code: Int32, Sendable {
        /// The child finished a session and will accept again.
        case available = 1
        /// The child just accepted a connection.
        case unavailable = 2
        /// The child's stdin/stdout now are the connection; the session starts.
        case connection = 3
        /// Threaded services only: one more connection while staying ready.
        case connectionMulti = 4
    }

    /// Size of one message on the wire.
    public static let size = 8

    public var code: Int32
    public var pid: Int32

    public init(code: Code, pid: Int32) {
        self.code = code.rawValue
        self.pid = pid
    }

    public init(rawCode: Int32, pid: Int32) {
        self.code = rawCode
        self.pid = pid
    }

    /// The known code, or nil for a code Cyrus's master would log as unrecognized.
    public var knownCode: Code? { Code(rawValue: code) }

    /// The 8 wire bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: code) { Array($0) } + withUnsafeBytes(of: pid) { Array($0) }
    }

    /// Decodes one message from exactly 8 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.size else { return nil }
        var code: Int32 = 0, pid: Int32 = 0
        let array = Array(bytes)
        withUnsafeMutableBytes(of: &code) { $0.copyBytes(from: array[0..<4]) }
        withUnsafeMutableBytes(of: &pid) { $0.copyBytes(from: array[4..<8]) }
        self.init(rawCode: code, pid: pid)
    }
}
