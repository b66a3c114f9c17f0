// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CyrusDelivery",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lmtpd", targets: ["lmtpd"]),
        .executable(name: "minimaster", targets: ["minimaster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // What Swift cannot see or must not do: signal flags, fork/exec of a service child.
        .target(name: "CShims"),
        // The Cyrus master/service contract, both sides: fds 3/4, status messages, accept lock.
        .target(name: "ServiceContract", dependencies: ["CShims"]),
        // Parsers of cyrus.conf and imapd.conf. Imports nothing of ours.
        .target(name: "ConfParse"),
        // The LMTP protocol engine: commands, replies, session state, DATA decoding.
        // Works on any byte stream; does no I/O syscalls itself.
        .target(name: "LMTP", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // Maildir++ delivery with fsync discipline. Knows nothing of LMTP.
        .target(name: "Mailstore"),
        // swift-log backends: syslog (mail facility) and standard error.
        .target(name: "MailLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // Glue: file-descriptor streams, imapd.conf -> settings, the delivery agent
        // that connects the engine to the mailstore, the session loop.
        .target(
            name: "LMTPServer",
            dependencies: [
                "ConfParse", "LMTP", "Mailstore", "MailLogging", "ServiceContract",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lmtpd",
            dependencies: [
                "LMTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "minimaster",
            dependencies: [
                "ConfParse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "conf-bench", dependencies: ["ConfParse"], path: "Benchmarks/conf-bench"),
        .executableTarget(name: "lmtp-bench", path: "Benchmarks/lmtp-bench"),

        .testTarget(name: "ConfParseTests", dependencies: ["ConfParse"]),
        .testTarget(name: "LMTPTests", dependencies: ["LMTP", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "MailstoreTests", dependencies: ["Mailstore"]),
        .testTarget(name: "ServiceContractTests", dependencies: ["ServiceContract"]),
        // Real binaries on real pipes and sockets.
        .testTarget(name: "ProcessTests", dependencies: ["CShims", "ServiceContract"]),
    ]
)
