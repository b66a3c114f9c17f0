import COpenSSL
import Foundation
import Testing
@testable import TLS

/// Building the server context from the `tls_*` options, with certificates made by `openssl req`.
@Suite("TLS: server context from the tls_* options")
struct TLSServerContextTests {
    static func configuration(_ certs: TestCertificates) -> TLSServerConfiguration {
        TLSServerConfiguration(certificateFile: certs.serverCert, keyFile: certs.serverKey)
    }

    @Test func certificateAndKeyLoad() throws {
        let certs = try TestCertificates.get()
        let context = try TLSServerContext(Self.configuration(certs))
        #expect(context.warnings.isEmpty)
        #expect(!context.requestsClientCertificates)
    }

    @Test func missingCertificateNamesTheFile() throws {
        var configuration = Self.configuration(try TestCertificates.get())
        configuration.certificateFile = "/nonexistent/server.crt"
        #expect {
            try TLSServerContext(configuration)
        } throws: { error in
            "\(error)".hasPrefix("unable to get certificate from '/nonexistent/server.crt'")
        }
    }

    @Test func keyThatIsNotTheCertificatesIsRefused() throws {
        let certs = try TestCertificates.get()
        var configuration = Self.configuration(certs)
        configuration.keyFile = certs.caKey
        #expect {
            try TLSServerContext(configuration)
        } throws: { error in
            "\(error)".contains("mismatch") || "\(error)".contains("does not match")
        }
    }

    @Test func unusableCipherListIsRefused() throws {
        var configuration = Self.configuration(try TestCertificates.get())
        configuration.ciphers = "NO-SUCH-CIPHER"
        #expect {
            try TLSServerContext(configuration)
        } throws: { error in
            "\(error)".hasPrefix("cannot load cipher list 'NO-SUCH-CIPHER'")
        }
    }

    @Test(arguments: ["", "ssl3", "tlsv1.2"])
    func versionsThatEnableNothingAreRefused(_ versions: String) throws {
        var configuration = Self.configuration(try TestCertificates.get())
        configuration.versions = versions
        #expect(throws: TLSError.self) { try TLSServerContext(configuration) }
    }

    @Test func versionsAreFoundAnywhereInTheTextAsInCyrus() {
        #expect(TLSVersions("tls1_2 tls1_3")?.names == ["tls1_2", "tls1_3"])
        #expect(TLSVersions("TLS1_3,tls1_0")?.names == ["tls1_0", "tls1_3"])
        #expect(TLSVersions("tls1_0 tls1_3")?.gapOptions == ctest_no_protocol_option(TLS1_1_VERSION) | ctest_no_protocol_option(TLS1_2_VERSION))
        #expect(TLSVersions("tls1_2 tls1_3")?.gapOptions == 0)
        #expect(TLSVersions("sslv3") == nil)
    }

    @Test func requiringClientCertificatesNeedsACA() throws {
        var configuration = Self.configuration(try TestCertificates.get())
        configuration.clientCertificates = .require
        #expect(throws: TLSError.self) { try TLSServerContext(configuration) }
    }

    @Test func clientCAMakesTheServerAskForCertificates() throws {
        let certs = try TestCertificates.get()
        var configuration = Self.configuration(certs)
        configuration.clientCAFile = certs.caCert
        #expect(try TLSServerContext(configuration).requestsClientCertificates)
        configuration.clientCertificates = .off
        #expect(try !TLSServerContext(configuration).requestsClientCertificates)
    }

    @Test func unreadableClientCAOnlyWarns() throws {
        var configuration = Self.configuration(try TestCertificates.get())
        configuration.clientCAFile = "/nonexistent/ca.crt"
        let context = try TLSServerContext(configuration)
        #expect(!context.requestsClientCertificates)
        #expect(context.warnings.count == 1)
    }

    @Test(arguments: [(nil, true), ("", true), ("disabled", true), (" Disabled ", true), ("/etc/ssl/x.pem", false)] as [(String?, Bool)])
    func disabledValues(_ value: String?, _ disabled: Bool) {
        #expect(TLSServerConfiguration.isDisabled(value) == disabled)
    }
}
