import COpenSSLRuntime

/// The protocol versions Cyrus's `tls_versions` enables (`tls1_0 tls1_1 tls1_2 tls1_3` by
/// default). As in Cyrus, a version is on when its name occurs anywhere in the text; every
/// other version is switched off.
public struct TLSVersions: Sendable, Equatable {
    /// The enabled versions as OpenSSL numbers (`TLS1_VERSION` ... `TLS1_3_VERSION`), ascending.
    public let enabled: [Int32]

    /// Cyrus's names, with OpenSSL's numbers, oldest first.
    static let known: [(name: String, version: Int32)] = [
        ("tls1_0", TLS1_VERSION), ("tls1_1", TLS1_1_VERSION),
        ("tls1_2", TLS1_2_VERSION), ("tls1_3", TLS1_3_VERSION),
    ]

    /// Reads a `tls_versions` value; nil when it enables no version at all.
    public init?(_ text: String) {
        let lower = text.lowercased()
        enabled = Self.known.filter { lower.contains($0.name) }.map(\.version)
        if enabled.isEmpty { return nil }
    }

    /// The versions to switch off between the oldest and the newest enabled one (a gap such as
    /// `tls1_0 tls1_3`), as OpenSSL's `SSL_OP_NO_*` options.
    var gapOptions: UInt64 {
        guard let low = enabled.first, let high = enabled.last else { return 0 }
        var options: UInt64 = 0
        for (_, version) in Self.known where version > low && version < high && !enabled.contains(version) {
            options |= cdl_no_protocol_option(version)
        }
        return options
    }

    /// Cyrus's names of the enabled versions.
    public var names: [String] {
        Self.known.filter { enabled.contains($0.version) }.map(\.name)
    }
}
