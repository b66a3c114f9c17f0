import Foundation
import Glibc
import POSIXCore
import ServiceContract
import Testing

/// lmtpd started as Cyrus's master starts a service child (fd 3 status pipe, fd 4 listening
/// socket, CYRUS_SERVICE/CYRUS_ID): it accepts by itself and reports as Cyrus's children do.
@Suite("lmtpd as a master's service child")
struct LMTPDServiceChildTests {
    @Test("status messages: none before the first connection, then UNAVAILABLE, CONNECTION, AVAILABLE; delivery lands in the Maildir")
    func statusMessagesAndDelivery() throws {
        let bed = try MailTestbed("child-status")
        // Without {configdirectory}/socket the child cannot open its accept lock: it says so
        // and serves all the same (as Cyrus's children do).
        try FileManager.default.removeItem(at: bed.root.appendingPathComponent("conf/socket"))
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        #expect(master.nextMessage(timeout: 0.3) == nil, "a fresh child never announces itself")

        let client = try master.connect()
        #expect(client.reply().hasPrefix("220 test.example"))
        #expect(master.messages(2) == [StatusMessage(code: .unavailable, pid: child.pid),
                                       StatusMessage(code: .connection, pid: child.pid)])
        deliver(client, to: "alice", subject: "over the unix socket")
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(client.isClosed())
        #expect(master.nextMessage() == StatusMessage(code: .available, pid: child.pid))
        #expect(bed.messages("alice").count == 1)
        #expect(withoutTraceHeaders(bed.messages("alice")[0]) == "Subject: over the unix socket\n\nhello\n")
        #expect(child.log.contains("locking disabled"), "no {configdirectory}/socket: the child serves without the lock")

        child.kill(SIGTERM)
        #expect(child.wait() == 75)
    }

    @Test("-U n: the child exits 0 after n sessions without a last AVAILABLE; -U 0 behaves like 1",
          arguments: [("2", 2), ("0", 1)])
    func usesLimit(_ uses: String, _ sessions: Int) throws {
        let bed = try MailTestbed("child-uses")
        let master = try FakeMaster(bed)
        let child = try master.spawn(["-U", uses])
        var expected: [StatusMessage] = []
        for session in 1...sessions {
            let client = try master.connect()
            #expect(client.reply().hasPrefix("220 "))
            client.send("QUIT\r\n")
            #expect(client.reply() == "221 2.0.0 bye")
            expected += [StatusMessage(code: .unavailable, pid: child.pid), StatusMessage(code: .connection, pid: child.pid)]
            if session < sessions { expected.append(StatusMessage(code: .available, pid: child.pid)) }
        }
        #expect(child.wait() == 0)
        #expect(master.messages(expected.count + 1, timeout: 0.2) == expected)
    }

    @Test("-T 1: a fresh child waits for its first connection indefinitely, then exits 0 about 1 s after a session")
    func reuseTimeout() throws {
        let bed = try MailTestbed("child-timeout")
        let master = try FakeMaster(bed)
        let child = try master.spawn(["-T", "1"])
        #expect(child.exitStatus(within: 3) == nil, "the -T timer is armed only after the first session")

        let client = try master.connect()
        client.send("QUIT\r\n")
        #expect(client.reply().hasPrefix("220 "))
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(master.messages(3).map(\.knownCode) == [.unavailable, .connection, .available])
        let idleSince = Date()
        let status = child.exitStatus(within: 4)
        let waited = Date().timeIntervalSince(idleSince)
        #expect(status == 0)
        #expect(waited > 0.7 && waited < 2.5, "-T 1 arms alarm(1): \(waited) s")
        #expect(child.log.contains("no connection for 1 seconds"))
    }

    @Test("two children on one socket take turns on the accept lock at {configdirectory}/socket/<service>-<id>.lock")
    func acceptLockSerializesChildren() throws {
        let bed = try MailTestbed("child-lock")
        let master = try FakeMaster(bed)
        try master.createSocketDirectory()
        let first = try master.spawn()
        let second = try master.spawn()
        let pids: Set<pid_t> = [first.pid, second.pid]

        let holder = try #require(lockHolder(master.lockPath, within: 3))
        #expect(pids.contains(holder), "one of the children waits in accept holding the lock")

        let clientA = try master.connect()
        #expect(clientA.reply().hasPrefix("220 "))
        let serving = master.messages(2)
        #expect(serving.map(\.knownCode) == [.unavailable, .connection])
        let busy = try #require(serving.first?.pid)
        // The busy child released the lock; the other one takes it and accepts the next client.
        #expect(lockHolder(master.lockPath, within: 3, other: busy) == pids.subtracting([busy]).first)

        let clientB = try master.connect()
        #expect(clientB.reply().hasPrefix("220 "), "the second child serves while the first is busy")
        let servingB = master.messages(2)
        #expect(servingB.map(\.knownCode) == [.unavailable, .connection])
        #expect(servingB.first?.pid == pids.subtracting([busy]).first)

        for client in [clientA, clientB] {
            client.send("QUIT\r\n")
            #expect(client.reply() == "221 2.0.0 bye")
        }
        #expect(Set(master.messages(2).map(\.pid)) == pids)
        #expect(FileManager.default.fileExists(atPath: master.lockPath))
        for child in [first, second] { child.kill(SIGTERM) }
        #expect(first.wait() == 75)
        #expect(second.wait() == 75)
        #expect(!first.log.contains("locking disabled"))
    }

    @Test("a child whose program file changed exits 0 instead of accepting again")
    func programFileChanged() throws {
        let bed = try MailTestbed("child-exe")
        let master = try FakeMaster(bed)
        let copy = bed.root.appendingPathComponent("lmtpd-copy").path
        try FileManager.default.copyItem(atPath: TestPaths.executable("lmtpd"), toPath: copy)
        let child = try master.spawn(executable: copy)
        let client = try master.connect()
        #expect(client.reply().hasPrefix("220 "))
        // An upgrade replaces the file while the session runs (here: a new mtime).
        var times = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
        #expect(utimes(copy, &times) == 0)
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(child.wait(timeout: 3) == 0)
        #expect(master.messages(4, timeout: 0.2).map(\.knownCode) == [.unavailable, .connection, .available])
        #expect(child.log.contains("process file has changed"))
    }

    @Test("fds 3/4 from a master but CYRUS_SERVICE or CYRUS_ID missing: exit 70",
          arguments: [("lmtpunix", nil), (nil, "0")] as [(String?, String?)])
    func missingEnvironment(_ service: String?, _ id: String?) throws {
        let bed = try MailTestbed("child-env")
        let master = try FakeMaster(bed)
        let child = try master.spawn(service: service, id: id, waitUntilReady: false)
        #expect(child.wait() == 70)
        #expect(child.log.contains("could not getenv(CYRUS_\(service == nil ? "SERVICE" : "ID"))"))
    }

    @Test("a datagram socket on fd 4 is refused: exit 1")
    func datagramSocketRefused() throws {
        let bed = try MailTestbed("child-udp")
        let master = try FakeMaster(bed, listener: .unixDatagram)
        let child = try master.spawn(waitUntilReady: false)
        #expect(child.wait() == 1)
        #expect(child.log.contains("UDP services are not supported"))
        #expect(master.nextMessage(timeout: 0.1) == nil)
    }

    @Test("TCP without -a: MAIL needs authentication (430); with -a the client is trusted and delivers",
          arguments: [false, true])
    func tcpTrust(_ preauthorize: Bool) throws {
        let bed = try MailTestbed("child-tcp")
        let master = try FakeMaster(bed, listener: .tcp)
        let child = try master.spawn(preauthorize ? ["-a"] : [])
        let client = try master.connect()
        #expect(client.reply().hasPrefix("220 "))
        if preauthorize {
            deliver(client, to: "bob", subject: "over tcp")
            #expect(bed.messages("bob").count == 1)
        } else {
            client.send("MAIL FROM:<a@b.example>\r\n")
            #expect(client.reply() == "430 Authentication required")
            #expect(bed.messages("bob").isEmpty)
        }
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
        child.kill(SIGTERM)
        #expect(child.wait() == 75)
    }
}

/// LHLO, one message to `user`, checks every reply.
func deliver(_ client: LMTPConnection, to user: String, subject: String, body: String = "hello") {
    client.send("LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<\(user)>\r\nDATA\r\n")
    #expect(client.readReply().last?.hasPrefix("250 Ok SESSIONID=") == true)
    #expect(client.reply() == "250 2.1.0 ok")
    #expect(client.reply() == "250 2.1.5 ok")
    #expect(client.reply() == "354 go ahead")
    client.send("Subject: \(subject)\r\n\r\n\(body)\r\n.\r\n")
    #expect(client.reply().hasPrefix("250 2.1.5 Success"))
}

/// The pid holding the accept lock (other than `other`), polled for up to `within` seconds.
func lockHolder(_ path: String, within timeout: Double, other: pid_t? = nil) -> pid_t? {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd >= 0 {
            let holder = try? FileLock.holder(fd)
            close(fd)
            if let holder, holder != other { return holder }
        }
        usleep(5000)
    }
    return nil
}
