import LMTP
import Logging

/// The message on its way to the backends, sent to all of them at once through 64 KiB buffers,
/// never held whole. A backend that offers CHUNKING gets it as BDAT chunks (no `354` round
/// trip, no dot-stuffing: a message under 64 KiB is one `BDAT <n> LAST` write); any other gets
/// it after DATA, dot-stuffed (``WireEncoder``). A backend whose write fails or times out drops
/// out (its recipients get `451 4.4.1`); the others go on.
public final class ProxySpool: MessageSpool {
    /// How one backend receives the message.
    enum Framing { case data, chunks }

    /// One backend of the transaction.
    final class Leg {
        let connection: BackendConnection
        let framing: Framing
        /// BDAT chunks sent before the last, whose `250` is read before the recipients' replies.
        var unreadChunkReplies = 0

        init(connection: BackendConnection, framing: Framing) {
            self.connection = connection
            self.framing = framing
        }
    }

    /// Backends that have not failed.
    private(set) var legs: [Leg]
    /// Backends that failed, with the reason or the reply they gave.
    var failures: [String: String]
    public private(set) var size = 0
    private var dataEncoder = WireEncoder(stuffDots: true)
    private var chunkEncoder = WireEncoder(stuffDots: false)
    private var dataBuffer: [UInt8] = []
    private var chunkBuffer: [UInt8] = []
    private let hasData: Bool
    private let hasChunks: Bool
    private let logger: Logger
    static let flushSize = 64 * 1024

    init(legs: [Leg], failures: [String: String], logger: Logger) {
        self.legs = legs
        self.failures = failures
        self.logger = logger
        hasData = legs.contains { $0.framing == .data }
        hasChunks = legs.contains { $0.framing == .chunks }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(DeliveryFailure) {
        size += bytes.count
        if hasData { dataEncoder.encode(bytes, into: &dataBuffer) }
        if hasChunks { chunkEncoder.encode(bytes, into: &chunkBuffer) }
        if dataBuffer.count >= Self.flushSize || chunkBuffer.count >= Self.flushSize { flush(last: false) }
    }

    /// The end of the message: the rest, the terminating dot for DATA, `LAST` for BDAT.
    func finish() {
        if hasData { dataEncoder.finish(into: &dataBuffer) }
        if hasChunks { chunkEncoder.finish(into: &chunkBuffer) }
        flush(last: true)
    }

    /// Sends what is buffered to every backend still in.
    private func flush(last: Bool) {
        var failed: [Leg] = []
        for leg in legs {
            do throws(BackendSocket.Failure) {
                switch leg.framing {
                case .data:
                    if !dataBuffer.isEmpty { try leg.connection.send(bytes: dataBuffer) }
                case .chunks:
                    guard last || !chunkBuffer.isEmpty else { continue }
                    let command = "BDAT \(chunkBuffer.count)\(last ? " LAST" : "")\r\n"
                    try leg.connection.send(bytes: Array(command.utf8) + chunkBuffer)
                    if !last { leg.unreadChunkReplies += 1 }
                }
            } catch {
                logger.error("backend \(leg.connection.backend.name) (\(leg.connection.backend.address)): \(error)")
                failures[leg.connection.backend.name] = error.description
                failed.append(leg)
            }
        }
        legs.removeAll { leg in failed.contains { $0 === leg } }
        dataBuffer.removeAll(keepingCapacity: true)
        chunkBuffer.removeAll(keepingCapacity: true)
    }

    /// The leg of the backend named `name`, with its chunk replies read (a chunk refused makes
    /// the backend fail: its reply is kept as the reason); nil when it failed.
    func readyLeg(_ name: String) -> Leg? {
        guard failures[name] == nil, let leg = legs.first(where: { $0.connection.backend.name == name }) else { return nil }
        while leg.unreadChunkReplies > 0 {
            leg.unreadChunkReplies -= 1
            do throws(BackendSocket.Failure) {
                let reply = try leg.connection.readReply()
                guard reply.last?.hasPrefix("2") == true else {
                    failures[name] = reply.joined(separator: "\n")
                    leg.connection.close()
                    return nil
                }
            } catch {
                failures[name] = error.description
                return nil
            }
        }
        return leg
    }
}
