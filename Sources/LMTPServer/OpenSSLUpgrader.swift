import LMTP
import TLS

/// STARTTLS for one connection with the process's `TLSServerContext`: prepares the OpenSSL
/// state before `220`, runs the handshake on the connection's descriptors within
/// `handshakeTimeout` seconds, and hands the engine the encrypted streams.
final class OpenSSLUpgrader: TLSUpgrader {
    /// nil: TLS is configured but its setup failed (STARTTLS is then not offered).
    private let context: TLSServerContext?
    private let plainInput: DescriptorInput
    private let outputFD: Int32
    private let handshakeTimeout: Int
    private var connection: TLSConnection?

    init(context: TLSServerContext?, plainInput: DescriptorInput, outputFD: Int32, handshakeTimeout: Int) {
        self.context = context
        self.plainInput = plainInput
        self.outputFD = outputFD
        self.handshakeTimeout = handshakeTimeout
    }

    var isAvailable: Bool { context != nil }

    func prepare() -> Result<Void, TLSFailure> {
        guard let context else { return .failure(TLSFailure("TLS is not set up")) }
        do {
            connection = try TLSConnection(context: context, readFD: plainInput.fd, writeFD: outputFD)
            return .success(())
        } catch {
            return .failure(TLSFailure(error.description))
        }
    }

    func upgrade() -> Result<TLSUpgrade, TLSFailure> {
        guard let connection else { return .failure(TLSFailure("TLS was not prepared")) }
        switch connection.handshake(timeout: handshakeTimeout) {
        case .failure(let failure):
            // The engine answers in plain text and ends the session.
            connection.restoreBlocking()
            self.connection = nil
            return .failure(TLSFailure(failure.description))
        case .success(let session):
            return .success(TLSUpgrade(
                input: TLSInput(connection: connection, waitingLike: plainInput),
                output: TLSOutput(connection: connection, timeout: plainInput.idleTimeout),
                peerIdentity: session.clientIdentity,
                receivedComment: session.receivedComment,
                logLine: session.logLine))
        }
    }

    /// Says goodbye on the TLS layer (close_notify, without waiting) when the session is over.
    func finish() {
        connection?.close()
        connection = nil
    }
}
