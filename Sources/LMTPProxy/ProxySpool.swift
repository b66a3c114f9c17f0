import LMTP
import Logging

/// The message on its way to the backends: every write is turned into DATA's wire form once
/// (``DotStuffer``) and sent to every backend of the transaction, through a 64 KiB buffer, so
/// the message is never held whole. A backend whose write fails or times out drops out (its
/// recipients get `451 4.4.1`); the others go on.
public final class ProxySpool: MessageSpool {
    /// Backends in DATA that have not failed.
    private(set) var backends: [BackendConnection]
    /// Backends that failed, with the reason or the reply they gave.
    var failures: [String: String]
    public private(set) var size = 0
    private var stuffer = DotStuffer()
    private var buffer: [UInt8] = []
    private let logger: Logger
    static let flushSize = 64 * 1024

    init(backends: [BackendConnection], failures: [String: String], logger: Logger) {
        self.backends = backends
        self.failures = failures
        self.logger = logger
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(DeliveryFailure) {
        size += bytes.count
        stuffer.encode(bytes, into: &buffer)
        if buffer.count >= Self.flushSize { flush() }
    }

    /// Sends what is buffered to every backend still in.
    private func flush() {
        guard !buffer.isEmpty else { return }
        var failed: [BackendConnection] = []
        for connection in backends {
            do throws(BackendSocket.Failure) {
                try connection.send(bytes: buffer)
            } catch {
                logger.error("backend \(connection.backend.name) (\(connection.backend.address)): \(error)")
                failures[connection.backend.name] = error.description
                failed.append(connection)
            }
        }
        backends.removeAll { connection in failed.contains { $0 === connection } }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The end of the message: the rest, and the terminating dot.
    func finish() {
        stuffer.finish(into: &buffer)
        flush()
    }
}
