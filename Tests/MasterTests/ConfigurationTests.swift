import ConfParse
import Testing
@testable import Master

/// cyrus.conf text to a MasterConfiguration, with /bin as the only program directory.
func configuration(_ text: String) throws -> MasterConfiguration {
    let conf = try CyrusConf.parse(text, path: "/test/cyrus.conf", mode: .cyrusCompatible)
    return try MasterConfiguration.build(conf, lookup: ExecutableLookup(searchDirectories: ["/bin"]))
}

@Suite("cyrus.conf to what the supervisor runs")
struct ConfigurationTests {
    @Test("Cyrus's adjustments: unlimited maxchild, babysit, udp, daemons")
    func adjustments() throws {
        let c = try configuration("""
            SERVICES {
              plain cmd="true" listen="/tmp/a"
              kept  cmd="true -x" listen="/tmp/b" prefork=2 maxchild=5 maxfds=64
              sit   cmd="true" listen="/tmp/c" babysit=yes
              dgram cmd="true" listen="2000" proto=udp prefork=4 maxchild=9
            }
            DAEMON {
              idled cmd="/bin/true" wait=y
            }
            """)
        let s = Dictionary(uniqueKeysWithValues: c.services.map { ($0.name, $0.settings) })
        #expect(s["plain"]?.maxchild == Int.max)
        #expect(s["plain"]?.prefork == 0)
        #expect(s["plain"]?.executable == "/bin/true")
        #expect(s["kept"]?.argv == ["true", "-x"])
        #expect(s["kept"]?.maxfds == 64 && s["kept"]?.maxchild == 5 && s["kept"]?.prefork == 2)
        #expect(s["sit"]?.prefork == 1 && s["sit"]?.maxforkrate == 10 && s["sit"]?.babysit == true)
        #expect(s["dgram"]?.maxchild == 1 && s["dgram"]?.prefork == 1)
        let daemon = try #require(c.daemons.first)
        #expect(daemon.isDaemon && daemon.waitForReady)
        #expect(daemon.settings.prefork == 1 && daemon.settings.maxchild == 1 && daemon.settings.babysit)
        #expect(daemon.settings.maxforkrate == 10)
    }

    @Test("a program that cannot be found is Cyrus's fatal error, with the line")
    func missingProgram() throws {
        #expect {
            _ = try configuration("SERVICES {\n  ghost cmd=\"no-such-program-x\" listen=\"/tmp/g\"\n}\n")
        } throws: { error in
            "\(error)".contains("/test/cyrus.conf:2: cannot find executable for service 'ghost'")
        }
    }

    @Test("an invalid listen disables that service only (Cyrus-compatible), with a warning")
    func invalidListen() throws {
        let c = try configuration("SERVICES {\n  bad cmd=\"true\" listen=\"host:\"\n  good cmd=\"true\" listen=\"/tmp/x\"\n}\n")
        #expect(c.services.map(\.name) == ["good"])
        #expect(c.warnings.contains { $0.contains("invalid listen") })
    }

    @Test("the environment of a child: master's own with the contract variables replaced")
    func environment() {
        let env = Listener.environment(base: ["PATH=/bin", "CYRUS_SERVICE=old", "CYRUS_ID=9", "HOME=/root"],
                                       name: "lmtpunix", index: 1, daemon: false)
        #expect(env == ["PATH=/bin", "HOME=/root", "CYRUS_SERVICE=lmtpunix", "CYRUS_ID=1"])
        let daemon = Listener.environment(base: [], name: "idled", index: 0, daemon: true)
        #expect(daemon.contains("CYRUS_ISDAEMON=1"))
    }
}

@Suite("SIGHUP: what a reload keeps, changes, removes and adds")
struct ReloadPlanTests {
    @Test("same name+listen+proto is kept; other values make it changed")
    func keptAndChanged() throws {
        let old = try configuration("""
            SERVICES {
              a cmd="true" listen="/tmp/a" prefork=1
              b cmd="true" listen="/tmp/b"
              c cmd="true" listen="/tmp/c"
            }
            DAEMON {
              d cmd="true"
            }
            """)
        let new = try configuration("""
            SERVICES {
              a cmd="true" listen="/tmp/a" prefork=1
              b cmd="true -v" listen="/tmp/b" maxchild=3
              c cmd="true" listen="/tmp/c2"
              e cmd="true" listen="/tmp/e"
            }
            """)
        let plan = ReloadPlan.make(running: old.definitions, new: new.definitions)
        #expect(plan.kept.map(\.definition.name) == ["a", "b"])
        #expect(plan.kept.map(\.changed) == [false, true])
        // A changed listen is a removal plus an addition.
        #expect(plan.removed.map(\.name) == ["c", "d"])
        #expect(plan.added.map(\.name) == ["c", "e"])
        #expect(!plan.isEmpty)
    }

    @Test("a changed proto is a different listener; an identical file is an empty plan")
    func proto() throws {
        let tcp = try configuration("SERVICES {\n  a cmd=\"true\" listen=\"2424\"\n}\n")
        let tcp4 = try configuration("SERVICES {\n  a cmd=\"true\" listen=\"2424\" proto=tcp4\n}\n")
        let plan = ReloadPlan.make(running: tcp.definitions, new: tcp4.definitions)
        #expect(plan.kept.isEmpty && plan.removed.count == 1 && plan.added.count == 1)
        #expect(ReloadPlan.make(running: tcp.definitions, new: tcp.definitions).isEmpty)
    }
}
