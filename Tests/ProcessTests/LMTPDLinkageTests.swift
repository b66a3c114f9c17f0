import Foundation
import Testing

/// Every lmtpd child pays for each shared library it loads at every start (docs/BENCHMARKS.md:
/// libsystemd and its six cost about 0.5 ms, libpq and its seventeen about 3 ms, OpenSSL 1.7 MB
/// of resident memory). lmtpd talks to the journal without linking libsystemd, and loads
/// libpq and OpenSSL only when its configuration asks for PostgreSQL or TLS.
@Suite("lmtpd's shared libraries")
struct LMTPDLinkageTests {
    @Test("lmtpd and lmtpproxyd link neither libsystemd, libpq nor OpenSSL (the journal is spoken to directly, the others are loaded on first use)")
    func noHeavyLibraries() throws {
        for program in ["lmtpd", "lmtpproxyd"] {
            let ldd = try ChildProcess(path: "/usr/bin/ldd", arguments: [TestPaths.executable(program)])
            let libraries = ldd.readAll()
            #expect(ldd.wait() == 0)
            #expect(libraries.contains("libc.so"), "ldd answered: \(libraries)")
            #expect(!libraries.contains("libsystemd"), "\(program): \(libraries)")
            #expect(!libraries.contains("libpq"), "\(program): \(libraries)")
            #expect(!libraries.contains("libkrb5"), "\(program): \(libraries)")
            #expect(!libraries.contains("libssl"), "\(program): \(libraries)")
            #expect(!libraries.contains("libcrypto"), "\(program): \(libraries)")
        }
    }
}
