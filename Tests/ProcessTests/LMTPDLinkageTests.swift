import Foundation
import Testing

/// Every lmtpd child pays for each shared library it loads at every start (docs/BENCHMARKS.md:
/// libsystemd and its six cost about 0.5 ms, libpq and its seventeen about 3 ms). lmtpd talks
/// to the journal and to PostgreSQL without linking either library.
@Suite("lmtpd's shared libraries")
struct LMTPDLinkageTests {
    @Test("lmtpd and lmtpproxyd link neither libsystemd nor libpq (the journal is spoken to directly, libpq is loaded on first use)")
    func noHeavyLibraries() throws {
        for program in ["lmtpd", "lmtpproxyd"] {
            let ldd = try ChildProcess(path: "/usr/bin/ldd", arguments: [TestPaths.executable(program)])
            let libraries = ldd.readAll()
            #expect(ldd.wait() == 0)
            #expect(libraries.contains("libc.so"), "ldd answered: \(libraries)")
            #expect(!libraries.contains("libsystemd"), "\(program): \(libraries)")
            #expect(!libraries.contains("libpq"), "\(program): \(libraries)")
            #expect(!libraries.contains("libkrb5"), "\(program): \(libraries)")
        }
    }
}
