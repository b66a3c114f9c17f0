// swift-tools-version:6.0
// The fuzz targets as libFuzzer executables. Build them only with the sanitizers (see the
// Makefile's `fuzz` target and docs/FUZZING.md):
//   swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
import PackageDescription

let fuzzTargets = Target.Dependency.product(name: "FuzzTargets", package: "CyrusDelivery")

let package = Package(
    name: "CyrusDeliveryFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "CyrusDelivery", path: "..")],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for Swift.
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "fuzz-lmtp-session", dependencies: ["CFuzzDriver", fuzzTargets]),
        .executableTarget(name: "fuzz-cyrus-conf", dependencies: ["CFuzzDriver", fuzzTargets]),
        .executableTarget(name: "fuzz-imapd-conf", dependencies: ["CFuzzDriver", fuzzTargets]),
        .executableTarget(name: "fuzz-address", dependencies: ["CFuzzDriver", fuzzTargets]),
        .executableTarget(name: "fuzz-folder-name", dependencies: ["CFuzzDriver", fuzzTargets]),
    ]
)
