import Foundation
import Glibc
import Testing

/// SIGHUP: services added, removed and changed while clients keep connecting.
@Suite("minimaster: SIGHUP reload")
struct MinimasterReloadTests {
    @Test("add, remove and change services without refusing a single connection to the kept ones")
    func addRemoveChange() throws {
        let port = masterFreePort()
        let h = try MasterHarness("reload")
        func conf(greeting: String, withGone: Bool, withAdded: Bool) throws {
            try h.writeConf(services: """
                  keep   cmd="\(h.echo())" listen="\(h.socket("keep"))" prefork=1
                  change cmd="\(h.echo("--greeting " + greeting))" listen="127.0.0.1:\(port)" prefork=2
                \(withGone ? "  gone cmd=\"\(h.echo())\" listen=\"\(h.socket("gone"))\"" : "")
                \(withAdded ? "  added cmd=\"\(h.echo())\" listen=\"\(h.socket("added"))\"" : "")
                """)
        }
        try conf(greeting: "old", withGone: true, withAdded: false)
        try h.start()
        defer { h.stop() }
        #expect(MasterClient.echoSession(.inet("127.0.0.1", port))?.greeting.contains(" old ") == true)

        // A session on the service about to be removed stays open across the reload.
        guard case .success(let lingering) = MasterClient.connect(.unix(h.socket("gone"))) else {
            Issue.record("connect to gone failed")
            return
        }
        #expect(lingering.readLine()?.hasPrefix("220 gone") == true)

        let hammers = [MasterHammer(.unix(h.socket("keep"))), MasterHammer(.inet("127.0.0.1", port))]
        usleep(200_000)
        try conf(greeting: "new", withGone: false, withAdded: true)
        h.signal(SIGHUP)
        #expect(h.waitForLog("service change changed"))
        #expect(h.waitForLog("service added added"))
        usleep(300_000)
        // Two more reloads in a row (identical file): sockets are kept each time.
        for round in 2...3 {
            h.signal(SIGHUP)
            #expect(h.waitForLog("SIGHUP: reloading", count: round))
            usleep(200_000)
        }
        let tallies = hammers.map { $0.stop() }
        for (index, tally) in tallies.enumerated() {
            #expect(tally.failures == 0, "hammer \(index): \(tally.failures) failed of \(tally.sessions + tally.failures): \(tally.lastError)")
            #expect(tally.sessions > 20, "hammer \(index) made only \(tally.sessions) sessions")
        }
        // Changed: new children run the new command.
        #expect(MasterClient.echoSession(.inet("127.0.0.1", port))?.greeting.contains(" new ") == true)
        // Added: bound and served.
        #expect(MasterClient.echoSession(.unix(h.socket("added"))) != nil)
        // Removed: new clients are refused...
        guard case .failure(let error) = MasterClient.connect(.unix(h.socket("gone"))) else {
            Issue.record("a removed service must refuse connections")
            return
        }
        #expect(error.code == .ECONNREFUSED)
        // ...while the session in progress finishes, then the listener goes away.
        lingering.send("still here\r\n")
        #expect(lingering.readLine() == "still here")
        lingering.send("QUIT\r\n")
        #expect(lingering.readLine() == "221 bye")
        #expect(h.waitForLog("service gone/unix removed"))
    }

    @Test("a reload with a broken cyrus.conf keeps the running configuration")
    func brokenReload() throws {
        let h = try MasterHarness("badreload")
        try h.writeConf(services: "  echo cmd=\"\(h.echo())\" listen=\"\(h.socket("echo"))\" prefork=1")
        try h.start()
        defer { h.stop() }
        try "SERVICES {\n  echo cmd=\"x #oops\" listen=\"\(h.socket("echo"))\"\n}\n".write(toFile: h.cyrusConf, atomically: true, encoding: .utf8)
        h.signal(SIGHUP)
        #expect(h.waitForLog("configuration not reloaded: keeping the running configuration"))
        #expect(h.log().contains("\(h.cyrusConf):2:"))
        #expect(MasterClient.echoSession(.unix(h.socket("echo"))) != nil)
        // A missing program is refused the same way.
        try h.writeConf(services: "  echo cmd=\"no-such-program\" listen=\"\(h.socket("echo"))\"")
        h.signal(SIGHUP)
        #expect(h.waitForLog("configuration not reloaded", count: 2))
        #expect(h.log().contains("cannot find executable for service 'echo'"))
        #expect(MasterClient.echoSession(.unix(h.socket("echo"))) != nil)
    }
}

/// A client thread that runs echo sessions back to back until stopped, counting failures
/// (refused connections, missing greetings or replies).
final class MasterHammer: @unchecked Sendable {
    struct Tally {
        var sessions = 0
        var failures = 0
        var lastError = ""
    }

    private let lock = NSLock()
    private var tally = Tally()
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(_ target: MasterTarget) {
        let description = target.description
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let ok = MasterClient.echoSession(target, timeout: 10) != nil
                lock.withLock {
                    if ok { tally.sessions += 1 } else {
                        tally.failures += 1
                        tally.lastError = "session on \(description) failed (errno \(errno))"
                    }
                }
            }
            done.signal()
        }
        thread.start()
    }

    func stop() -> Tally {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { tally }
    }
}
