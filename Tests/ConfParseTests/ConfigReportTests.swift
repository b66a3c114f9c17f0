import Testing
@testable import ConfParse

@Suite("minimaster --check report")
struct ConfigReportTests {
    @Test("a good configuration: tables on stdout, warnings on stderr, exit 0")
    func goodConfiguration() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let imapd = try dir.write("imapd.conf", "configdirectory: /var/lib/cyrus\nmaxmesagesize: 10\n")
        let cyrus = try Fixtures.path("cyrus-conf/single-host.conf")
        let result = ConfigReport.check(cyrusConfPath: cyrus, imapdConfPath: imapd)
        #expect(result.exitCode == 0)
        let out = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(out.first == "cyrus.conf \(cyrus): 4 services, 1 START entry, 3 events, 1 daemon")
        #expect(out.contains("  NAME         LINE  LISTEN              PROTO  PREFORK  MAXCHILD   OTHER  COMMAND"))
        #expect(out.contains("  imap         11    imap                tcp    2        unlimited  -      imapd"))
        #expect(out.contains("  lmtplocal    17    /run/mailhost/lmtp  tcp    1        unlimited  -      lmtpd"))
        #expect(out.contains("EVENTS (run while minimaster runs, first at startup unless daily):"))
        #expect(out.contains("  dbcheckpoint  26    every 15 min    ctl_cyrusdb -c"))
        #expect(out.contains("  dupexpire     29    daily at 03:15  cyr_expire -E 5"))
        #expect(out.contains("  dbrecover  5     ctl_cyrusdb -r"))
        #expect(out.contains("  idled  37    -      idled"))
        #expect(out.contains("imapd.conf \(imapd) (as service \"master\"): 2 options, 1 unknown"))
        #expect(out.contains("configuration OK (1 warning, see standard error)"))
        #expect(result.diagnostics == "\(imapd):2: warning: unknown option 'maxmesagesize' (no Cyrus program reads it; kept as an overflow entry)\n")
    }

    @Test("a bad configuration: every error on stderr, nothing on stdout, exit 78")
    func badConfiguration() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let imapd = try dir.write("imapd.conf", "servername: x\nmaxmessagesize: 10M\n")
        let cyrus = try Fixtures.path("bad/06-garbage-line.conf")
        let result = ConfigReport.check(cyrusConfPath: cyrus, imapdConfPath: imapd)
        #expect(result.exitCode == ConfigReport.exitConfigError)
        #expect(result.output.isEmpty)
        #expect(result.diagnostics == """
            \(cyrus):5: SERVICES entry "remember": expected key=value (found "to")
            \(imapd):2: non-integer value for maxmessagesize: "10M"
            minimaster: configuration check failed (2 errors)

            """)
    }

    @Test("imapd.conf read as master needs configdirectory but no partition")
    func masterNeedsConfigdirectory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let imapd = try dir.write("imapd.conf", "servername: x\n")
        let cyrus = try Fixtures.path("cyrus-conf/tiny-store.conf")
        let result = ConfigReport.check(cyrusConfPath: cyrus, imapdConfPath: imapd)
        #expect(result.exitCode == 78)
        #expect(result.diagnostics.hasPrefix("\(imapd): configdirectory option not specified in configuration file\n"))
    }

    @Test("imapd.conf is also checked as each service reads it")
    func perServiceValues() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let imapd = try dir.write("imapd.conf", "configdirectory: /c\nlmtplocal_maxmessagesize: 10M\nimap_virtdomains: maybe\n")
        let cyrus = try Fixtures.path("cyrus-conf/single-host.conf")
        let result = ConfigReport.check(cyrusConfPath: cyrus, imapdConfPath: imapd)
        #expect(result.exitCode == 78)
        #expect(result.diagnostics == """
            \(imapd):3: invalid value 'maybe' for imap_virtdomains (allowed: off, userid, on) (as read by service imap)
            \(imapd):2: non-integer value for lmtplocal_maxmessagesize: "10M" (as read by service lmtplocal)
            minimaster: configuration check failed (2 errors)

            """)
    }

    @Test("compatible mode reports Cyrus's silent cases as warnings and succeeds")
    func compatibleMode() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let imapd = try dir.write("imapd.conf", "configdirectory: /c\n")
        let cyrus = try Fixtures.path("bad/05-bad-maxchild.conf")
        let result = ConfigReport.check(cyrusConfPath: cyrus, imapdConfPath: imapd, mode: .cyrusCompatible)
        #expect(result.exitCode == 0)
        #expect(result.output.contains("  deliver  4     /run/mailhost/lmtp  tcp    1        0"))
        #expect(result.diagnostics.contains("\(cyrus):4: warning: SERVICES entry \"deliver\": maxchild must be an integer"))
    }

    @Test("empty sections print (none); extra service settings show in OTHER")
    func summaryDetails() throws {
        let conf = try CyrusConf.parse("SERVICES {\n  a cmd=\"x -y\" listen=[::1]:24 babysit=1 maxfds=64 maxforkrate=5\n}\n", path: "t.conf")
        let lines = ConfigReport.summary(of: conf)
        #expect(lines.contains("  a     2     [::1]:24  tcp    0        unlimited  babysit maxforkrate=5 maxfds=64  x -y"))
        #expect(lines.filter { $0 == "  (none)" }.count == 3)
    }
}
