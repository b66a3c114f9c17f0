import COpenSSL
import Foundation
import Glibc
import POSIXCore
import Testing
@testable import TLS

/// Real handshakes between `TLSConnection` and an OpenSSL client over a socketpair.
@Suite("TLS: handshake and data over a socketpair")
struct TLSHandshakeTests {
    init() { signal(SIGPIPE, SIG_IGN) }

    static func context(clientCA: Bool = false, versions: String = "tls1_2 tls1_3",
                        require: Bool = false) throws -> TLSServerContext {
        let certs = try TestCertificates.get()
        var configuration = TLSServerConfiguration(certificateFile: certs.serverCert, keyFile: certs.serverKey)
        configuration.versions = versions
        if clientCA { configuration.clientCAFile = certs.caCert }
        if require { configuration.clientCertificates = .require }
        return try TLSServerContext(configuration)
    }

    @Test func handshakeThenDataBothWays() throws {
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client)
        let reply = Box<String>()
        let thread = Background {
            guard peer.connect() else { return }
            peer.send("LHLO secure\r\n")
            reply.value = peer.receive(10)
            peer.close()
        }
        let info = try connection.handshake(timeout: 10).get()
        #expect(info.version == "TLSv1.3")
        #expect(info.usedBits >= 128 && info.algorithmBits >= 128)
        #expect(info.clientIdentity == nil && !info.clientCertificateVerified)
        #expect(info.receivedComment.hasPrefix("version=TLSv1.3 cipher=TLS_"))
        #expect(info.receivedComment.hasSuffix("verify=NO"))
        #expect(try read(connection, 13) == "LHLO secure\r\n")
        try write(connection, "250 done\r\n")
        #expect(thread.wait())
        #expect(reply.value == "250 done\r\n")
        #expect(peer.error == nil)
    }

    @Test func versionsLimitWhatIsNegotiated() throws {
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(versions: "tls1_2"), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client)
        let thread = Background { if peer.connect() { peer.close() } }
        #expect(try connection.handshake(timeout: 10).get().version == "TLSv1.2")
        thread.wait()
    }

    @Test func clientWithOnlyExcludedVersionsFails() throws {
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(versions: "tls1_3"), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client, maxVersion: TLS1_2_VERSION)
        let thread = Background { _ = peer.connect(); peer.close() }
        guard case .failure(.failed) = connection.handshake(timeout: 10) else {
            Issue.record("the handshake should fail")
            return
        }
        thread.wait()
    }

    @Test func verifiedClientCertificateNamesTheClient() throws {
        let certs = try TestCertificates.get()
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(clientCA: true), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client, certificate: certs.clientCert, key: certs.clientKey)
        let thread = Background {
            guard peer.connect() else { return }
            peer.send("x")
            peer.close()
        }
        _ = try connection.handshake(timeout: 10).get()
        // TLS 1.3 sends the client's certificate with its Finished: it is known after the handshake.
        #expect(try read(connection, 1) == "x")
        let after = connection.session
        #expect(after.clientCertificateVerified)
        #expect(after.clientIdentity == "client.example")
        #expect(after.receivedComment.hasSuffix("verify=YES"))
        #expect(after.logLine.hasSuffix("authenticated as client.example"))
        thread.wait()
    }

    @Test func clientWithoutCertificateIsStillServedWhenOptional() throws {
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(clientCA: true), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client)
        let thread = Background { if peer.connect() { peer.send("y"); peer.close() } }
        _ = try connection.handshake(timeout: 10).get()
        #expect(try read(connection, 1) == "y")
        #expect(connection.session.clientIdentity == nil)
        thread.wait()
    }

    @Test("a certificate the client CA did not sign fails the handshake (Cyrus's verify_callback)")
    func unknownClientCertificateIsRefused() throws {
        let certs = try TestCertificates.get()
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(clientCA: true, versions: "tls1_2"), readFD: server, writeFD: server)
        let peer = TestTLSClient(fd: client, certificate: certs.strangerCert, key: certs.strangerKey)
        let thread = Background { _ = peer.connect(); peer.close() }
        guard case .failure(.failed(let text)) = connection.handshake(timeout: 10) else {
            Issue.record("the handshake should fail")
            return
        }
        #expect(text.contains("certificate"))
        thread.wait()
    }

    @Test func silentClientTimesOut() throws {
        let (server, client) = socketPair()
        defer { close(server); close(client) }
        let connection = try TLSConnection(context: Self.context(), readFD: server, writeFD: server)
        let start = MonotonicClock.now()
        #expect(connection.handshake(timeout: 1) == .failure(.timedOut))
        let waited = MonotonicClock.now() - start
        #expect(waited >= 0.9 && waited < 5)
    }

    @Test func clientLeavingMidHandshakeIsAClose() throws {
        let (server, client) = socketPair()
        defer { close(server) }
        let connection = try TLSConnection(context: Self.context(), readFD: server, writeFD: server)
        // The first bytes of a TLS record header, then the client is gone.
        _ = [UInt8]([0x16, 0x03, 0x01]).withUnsafeBytes { Glibc.write(client, $0.baseAddress, 3) }
        close(client)
        let result = connection.handshake(timeout: 5)
        #expect(result == .failure(.closed) || {
            if case .failure(.failed) = result { return true } else { return false }
        }())
    }

    @Test("plain text where the ClientHello belongs fails the handshake, nothing is executed")
    func plainTextInsteadOfAHandshakeFails() throws {
        let (server, client) = socketPair()
        defer { close(server); close(client) }
        let connection = try TLSConnection(context: Self.context(), readFD: server, writeFD: server)
        _ = Array("MAIL FROM:<evil@example.org>\r\n".utf8).withUnsafeBytes { Glibc.write(client, $0.baseAddress, $0.count) }
        guard case .failure(.failed) = connection.handshake(timeout: 5) else {
            Issue.record("the handshake should fail")
            return
        }
    }

    // MARK: helpers

    /// Reads `count` decrypted bytes with the step API, waiting with poll.
    func read(_ connection: TLSConnection, _ count: Int) throws -> String {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = MonotonicClock.now() + 10
        while result.count < count {
            let step = buffer.withUnsafeMutableBytes { connection.readStep(into: $0) }
            switch step {
            case .done(let n): result += buffer[0..<n]
            case .wantRead: _ = DescriptorReadiness.wait(fd: connection.readFD, events: Int16(POLLIN), until: deadline)
            case .wantWrite: _ = DescriptorReadiness.wait(fd: connection.writeFD, events: Int16(POLLOUT), until: deadline)
            case .closed, .failed: return String(decoding: result, as: UTF8.self)
            }
            if MonotonicClock.now() > deadline { break }
        }
        return String(decoding: result, as: UTF8.self)
    }

    func write(_ connection: TLSConnection, _ text: String) throws {
        let bytes = Array(text.utf8)
        let deadline = MonotonicClock.now() + 10
        while MonotonicClock.now() < deadline {
            let step = bytes.withUnsafeBytes { connection.writeStep($0) }
            switch step {
            case .done: return
            case .wantWrite: _ = DescriptorReadiness.wait(fd: connection.writeFD, events: Int16(POLLOUT), until: deadline)
            case .wantRead: _ = DescriptorReadiness.wait(fd: connection.readFD, events: Int16(POLLIN), until: deadline)
            case .closed, .failed(_): return
            }
        }
    }
}

/// A value handed back from a background thread (read after `Background.wait`).
final class Box<Value>: @unchecked Sendable {
    var value: Value?
}
