import SASL
import Testing

/// Cyrus's lookup order for libsasl options (`imap/global.c: mysasl_config()`).
@Suite("SASL options")
struct SASLOptionsTests {
    let lines: [(key: String, value: String)] = [
        ("sasl_pwcheck_method", "auxprop"),
        ("lmtp_sasl_pwcheck_method", "saslauthd"),
        ("sasl_mech_list", "PLAIN"),
        ("sasl_sasldb_path", "/generic"),
        ("sasl_sasldb_sasldb_path", "/plugin"),
        ("lmtp_sasl_sasldb_sasldb_path", "/service-plugin"),
        ("imap_sasl_mech_list", "GSSAPI"),
        ("partition-default", "/var/mail"),
        ("SASL_Log_Level", "5"),
    ]

    @Test func serviceSpecificWinsOverGeneric() {
        let options = SASLOptions(lines: lines, service: "lmtp")
        #expect(options.lookup(plugin: nil, option: "pwcheck_method") == "saslauthd")
        #expect(options.lookup(plugin: nil, option: "mech_list") == "PLAIN")
        #expect(SASLOptions(lines: lines, service: "imap").lookup(plugin: nil, option: "mech_list") == "GSSAPI")
    }

    @Test func pluginSpecificWinsOverEverything() {
        let lmtp = SASLOptions(lines: lines, service: "lmtp")
        #expect(lmtp.lookup(plugin: "sasldb", option: "sasldb_path") == "/service-plugin")
        #expect(SASLOptions(lines: lines, service: "lmtpunix").lookup(plugin: "sasldb", option: "sasldb_path") == "/plugin")
        #expect(lmtp.lookup(plugin: "other", option: "sasldb_path") == "/generic")
    }

    @Test func namesAreCaseInsensitiveAndOtherKeysIgnored() {
        let options = SASLOptions(lines: lines, service: "lmtp")
        #expect(options.lookup(plugin: nil, option: "LOG_LEVEL") == "5")
        #expect(options.lookup(plugin: nil, option: "default") == nil)
        #expect(options.value(named: "partition-default") == nil)
    }

    @Test func emptyServiceTakesOnlyGenericLines() {
        let options = SASLOptions(lines: lines, service: "")
        #expect(options.lookup(plugin: nil, option: "pwcheck_method") == "auxprop")
        #expect(options.serviceSpecific.isEmpty)
    }
}
