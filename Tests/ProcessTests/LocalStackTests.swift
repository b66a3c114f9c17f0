import Foundation
import Glibc
import Testing

/// `make run` from a fresh clone: the README's local stack starts in an empty directory, takes
/// mail from swaks, and Ctrl-C stops it with status 0 and no process left behind.
@Suite("make run: the local stack", .serialized)
struct LocalStackTests {
    /// How the user stops it.
    enum Stop: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// Ctrl-C in the terminal: SIGINT to the whole foreground process group.
        case ctrlC
        /// `kill -INT <minimaster>`: the signal to minimaster alone.
        case sigintToMinimaster
        var testDescription: String { rawValue }
    }

    @Test("starts in a scratch directory, delivers to alice (socket) and bob (TCP), stops on SIGINT with 0",
          arguments: Stop.allCases)
    func runDeliverStop(_ stop: Stop) throws {
        let stack = try LocalStack()
        defer { stack.cleanUp() }
        try runDeliverStop(stack, stop: stop)
        // Started as root, the stack ran as the cyrus user: the mail is that user's.
        let expectedOwner = ServiceUserHandover.dropsPrivileges ? ServiceUserHandover.uid : getuid()
        #expect(fileOwner(stack.mailDirectory("alice") + "/" + (stack.messages("alice").first ?? "")) == expectedOwner)
    }

    @Test("make run as an ordinary user: nothing to drop, the mail is that user's",
          .enabled(if: ServiceUserHandover.dropsPrivileges, "needs root to become the ordinary user"))
    func ordinaryUser() throws {
        let stack = try LocalStack(as: "nobody")
        defer { stack.cleanUp() }
        try runDeliverStop(stack, stop: .ctrlC)
        #expect(fileOwner(stack.mailDirectory("alice") + "/" + (stack.messages("alice").first ?? "")) == getpwnam("nobody")?.pointee.pw_uid)
        #expect(!((try? String(contentsOfFile: stack.varDirectory + "/imapd.conf", encoding: .utf8)) ?? "").contains("cyrus_user"))
    }

    private func runDeliverStop(_ stack: LocalStack, stop: Stop) throws {
        #expect(stack.banner.contains("Local stack: minimaster with lmtpd on \(stack.socketPath)"))
        #expect(FileManager.default.fileExists(atPath: stack.varDirectory + "/cyrus.conf"))
        #expect(stack.messages("alice").isEmpty && stack.messages("bob").isEmpty)

        let alice = try stack.swaks(to: "alice@localhost", subject: "hello alice")
        #expect(alice.status == 0, "\(alice.output)")
        #expect(alice.output.contains("250 2.1.5"))
        let bob = try stack.swaks(to: "bob@localhost", server: "127.0.0.1:\(stack.port)", subject: "hello bob")
        #expect(bob.status == 0, "\(bob.output)")

        let delivered = try #require(stack.messages("alice").first, "nothing in \(stack.mailDirectory("alice"))")
        #expect(stack.messages("alice").count == 1)
        let text = try String(contentsOfFile: stack.mailDirectory("alice") + "/" + delivered, encoding: .utf8)
        #expect(text.hasPrefix("Return-Path: <you@example.org>\n"))
        #expect(text.contains("Subject: hello alice\n"))
        #expect(stack.messages("bob").count == 1)

        let children = processChildren(of: stack.process.pid)
        #expect(!children.isEmpty, "minimaster has no lmtpd child")
        let running = stack.processesLeft()
        #expect(running.contains(stack.process.pid) && running.count > 1, "the probe must see minimaster and lmtpd: \(running)")
        let status = stack.interrupt(wholeGroup: stop == .ctrlC)
        #expect(status == 0, "minimaster ended with \(status)")
        for child in children {
            #expect(kill(child, 0) == -1 && errno == ESRCH, "lmtpd \(child) outlived minimaster")
        }
        #expect(stack.processesLeft().isEmpty, "still running: \(stack.processesLeft())")
        #expect(try FileManager.default.contentsOfDirectory(atPath: stack.mailDirectory("alice", "tmp")).isEmpty)
    }
}
