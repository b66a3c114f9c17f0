// swift-tools-version:6.0
import PackageDescription

// Linux only: every target uses Glibc (and systemd, libsasl2, OpenSSL 3 as Debian ships them),
// so no `platforms:` claim is made for Apple systems; the package builds and is tested on Linux.
let package = Package(
    name: "CyrusDelivery",
    products: [
        .executable(name: "lmtpd", targets: ["lmtpd"]),
        .executable(name: "minimaster", targets: ["minimaster"]),
        .executable(name: "lmtpproxyd", targets: ["lmtpproxyd"]),
        .executable(name: "sievetest", targets: ["sievetest"]),
        // For the fuzzing package in Fuzz/ (see docs/FUZZING.md).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // What Swift cannot see or must not do: signal flags, fork/exec of a service child,
        // pipe2, accept4, fcntl locks, fork, the wait(2) status macros. The only C shim target.
        .target(name: "CShims"),
        // The one POSIX layer: system calls with EINTR handling and errors as values (`Errno`),
        // the monotonic clock, socket address formatting, poll with a deadline, file locks,
        // sysexits codes. Depends on libc and CShims only.
        .target(name: "POSIXCore", dependencies: ["CShims"]),
        // Shared-memory counters: minimaster's region and a child's slot in it.
        .target(name: "Metrics", dependencies: ["CShims", "POSIXCore"]),
        // The Cyrus master/service contract, both sides: fds 3/4, status messages, accept lock.
        .target(name: "ServiceContract", dependencies: ["POSIXCore", "CShims"]),
        // Parsers of cyrus.conf and imapd.conf. Imports nothing of ours.
        .target(name: "ConfParse"),
        // The LMTP protocol engine: commands, replies, session state, DATA decoding.
        // Works on any byte stream; does no I/O syscalls itself.
        .target(name: "LMTP", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // Maildir++ delivery with fsync discipline. Knows nothing of LMTP.
        .target(name: "Mailstore", dependencies: ["POSIXCore"]),
        // The system SQLite 3 library.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Cyrus's duplicate-delivery database (deliver.db), kept in SQLite or PostgreSQL.
        .target(name: "DuplicateStore", dependencies: ["CSQLite", "POSIXCore", "Postgres"]),
        // The system libpq (PostgreSQL's client library).
        // libpq, loaded with dlopen when first needed (its header from libpq-dev at build time).
        .target(name: "CPostgres"),
        // A blocking PostgreSQL client on libpq: Cyrus's sql_* options, parameterized
        // statements, timeouts, reconnects, LISTEN/NOTIFY. Keeps every C pointer inside.
        .target(name: "Postgres", dependencies: ["CPostgres", "POSIXCore"]),
        // libsystemd (sd_notify, sd_listen_fds_with_names, sd_watchdog_enabled): minimaster only.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // systemd integration for minimaster: readiness, status, watchdog, socket activation.
        .target(name: "Systemd", dependencies: ["CSystemd", "POSIXCore"]),
        // swift-log backends: syslog (mail facility), standard error, the systemd journal (its
        // native protocol, so that lmtpd does not load libsystemd).
        .target(name: "MailLogging", dependencies: ["POSIXCore", .product(name: "Logging", package: "swift-log")]),
        // The system Cyrus SASL library (libsasl2).
        .systemLibrary(name: "CSASL", pkgConfig: "libsasl2", providers: [.apt(["libsasl2-dev"])]),
        // Server-side SASL on libsasl2: one process-wide init with Cyrus's `sasl_*` option lookup,
        // one exchange object per connection. Keeps every C pointer inside.
        .target(name: "SASL", dependencies: ["CSASL"]),
        // The system OpenSSL 3 library (libssl, libcrypto), linked: the tests' TLS clients only.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // OpenSSL 3 loaded with dlopen when a process first builds a TLS context (its headers
        // from libssl-dev at build time): processes without TLS never map it.
        .target(name: "COpenSSLRuntime"),
        // STARTTLS's server side on OpenSSL: the context from the tls_* options, the handshake
        // with a timeout, non-blocking reads and writes. Knows nothing of LMTP.
        .target(name: "TLS", dependencies: ["COpenSSLRuntime", "POSIXCore"]),
        // Glue: file-descriptor streams, imapd.conf -> settings, the delivery agent
        // that connects the engine to the mailstore, the session loop.
        .target(
            name: "LMTPServer",
            dependencies: [
                "ConfParse", "LMTP", "Mailstore", "MailLogging", "ServiceContract", "DuplicateStore", "SASL", "TLS", "Sieve",
                "POSIXCore", "CSQLite", "Metrics",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LMTPDCommand",
            dependencies: [
                "LMTPServer", "ConfParse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "lmtpd", dependencies: ["LMTPDCommand"]),
        // minimaster's supervisor: binding, forking, status pipes, reload, shutdown.
        .target(
            name: "Master",
            dependencies: [
                "ConfParse", "ServiceContract", "POSIXCore", "CShims", "MailLogging", "Systemd", "Metrics",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "minimaster",
            dependencies: [
                "ConfParse", "Master", "POSIXCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A minimal service child (echo) for testing and benchmarking minimaster on its own.
        // The LMTP proxy: routes each recipient to its backend and relays (lmtpproxyd).
        .target(
            name: "LMTPProxy",
            dependencies: [
                "LMTP", "LMTPServer", "ConfParse", "ServiceContract", "MailLogging", "POSIXCore", "Metrics", "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lmtpproxyd",
            dependencies: [
                "LMTPProxy", "LMTPDCommand", "LMTPServer", "ConfParse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "cyrus-echo-service", dependencies: ["ConfParse", "ServiceContract", "POSIXCore", "CShims"]),
        // The Sieve language (RFC 5228 and extensions): script + message in, actions out. No I/O.
        .target(name: "Sieve"),
        // Dry run of a Sieve script on a message: prints the actions.
        .executableTarget(
            name: "sievetest",
            dependencies: ["Sieve", "ConfParse", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // In-memory streams, delivery agent and authenticator for the engine (tests, fuzz targets).
        .target(name: "LMTPTesting", dependencies: ["LMTP"]),
        // One function per fuzz target: drives the real code, traps when an invariant breaks.
        .target(name: "FuzzTargets", dependencies: [
            "LMTP", "LMTPTesting", "ConfParse", "Mailstore", .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "conf-bench", dependencies: ["ConfParse"], path: "Benchmarks/conf-bench"),
        .executableTarget(name: "lmtp-bench", dependencies: ["POSIXCore"], path: "Benchmarks/lmtp-bench"),
        .executableTarget(name: "master-bench", dependencies: ["POSIXCore"], path: "Benchmarks/master-bench"),
        .executableTarget(name: "sieve-bench", dependencies: ["Sieve", "POSIXCore"], path: "Benchmarks/sieve-bench"),

        .testTarget(name: "POSIXCoreTests", dependencies: ["POSIXCore"]),
        .testTarget(name: "ConfParseTests", dependencies: ["ConfParse"]),
        .testTarget(name: "LMTPTests", dependencies: ["LMTP", "LMTPTesting", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "MailstoreTests", dependencies: ["Mailstore"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "COpenSSL", "POSIXCore"]),
        .testTarget(name: "DuplicateStoreTests", dependencies: ["DuplicateStore", "Postgres"]),
        .testTarget(name: "ServiceContractTests", dependencies: ["ServiceContract"]),
        .testTarget(name: "MasterTests", dependencies: ["Master", "ConfParse", "ServiceContract", "Metrics"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", "MailLogging", "POSIXCore"]),
        .testTarget(name: "SASLTests", dependencies: ["SASL"]),
        // The glue: the delivery pipeline over a real Maildir store, without processes.
        .testTarget(name: "LMTPServerTests", dependencies: [
            "LMTPServer", "LMTP", "Mailstore", "CSQLite", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SieveTests", dependencies: ["Sieve"], exclude: ["Corpus"]),
        .testTarget(name: "LMTPProxyTests", dependencies: ["LMTPProxy", "LMTP"]),
        .testTarget(name: "LMTPDCommandTests", dependencies: ["LMTPDCommand", "LMTPServer"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        // Real binaries on real pipes and sockets.
        .testTarget(name: "ProcessTests", dependencies: ["CShims", "POSIXCore", "ServiceContract", "COpenSSL", "Postgres"]),
    ]
)
