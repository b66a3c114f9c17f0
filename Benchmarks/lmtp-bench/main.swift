// lmtp-bench: delivers N 4 KiB messages through lmtpd, over one session and over fresh
// sessions, and prints the rates beside the disk's floor measured in the same run (write 4 KiB,
// fsync, rename into new/, fsync new/, serially): the most a one-at-a-time durable delivery
// can reach on this disk.
//
// usage: lmtp-bench [messages] [directory]   (default 1000, ./var/bench; keep it off tmpfs)
// LMTP_BENCH_CONFIG: extra imapd.conf lines (e.g. "duplicatesuppression: no").
// The floor, the one-session run and a one-session run to a user with a 50-rule Sieve script
// (header, address, list and body tests; the last rule files the message with a flag) alternate
// in five rounds, so that a disk whose speed drifts (other load, writeback) affects all alike.
import Foundation
import Glibc
import POSIXCore

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
let base = URL(fileURLWithPath: arguments.count > 2 ? arguments[2] : "var/bench").standardizedFileURL
let lmtpd = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lmtpd").path

func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("lmtp-bench: \(text)\n".utf8))
    exit(1)
}

// MARK: set-up

try? FileManager.default.removeItem(at: base)
let partition = base.appendingPathComponent("mail")
let floorDir = base.appendingPathComponent("floor")
let sieveDir = base.appendingPathComponent("sieve")
for dir in [partition.appendingPathComponent("bench/cur"), partition.appendingPathComponent("bench/new"),
            partition.appendingPathComponent("bench/tmp"), floorDir.appendingPathComponent("tmp"),
            partition.appendingPathComponent("sieve/new"), partition.appendingPathComponent("sieve/cur"),
            partition.appendingPathComponent("sieve/tmp"), partition.appendingPathComponent("sieve/.Bench/cur"),
            partition.appendingPathComponent("sieve/.Bench/new"), partition.appendingPathComponent("sieve/.Bench/tmp"),
            sieveDir.appendingPathComponent("s/sieve"),
            floorDir.appendingPathComponent("new"), base.appendingPathComponent("conf")] {
    do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch { fail("\(error)") }
}
let config = base.appendingPathComponent("imapd.conf")
let configText = "configdirectory: \(base.path)/conf\npartition-default: \(partition.path)\nservername: bench.example\n"
    + "sievedir: \(sieveDir.path)\n" + (ProcessInfo.processInfo.environment["LMTP_BENCH_CONFIG"] ?? "")
do { try configText.write(to: config, atomically: true, encoding: .utf8) } catch { fail("\(error)") }

/// The fifty-rule script kept with the test fixtures (the same one sieve-bench runs).
let fiftyRuleScriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/sieve/fifty-rules.sieve").path
do {
    // Cyrus's sievedir layout, as timsieved leaves it: defaultbc -> fifty.bc, source beside it.
    let userDir = sieveDir.appendingPathComponent("s/sieve")
    try FileManager.default.copyItem(atPath: fiftyRuleScriptPath, toPath: userDir.appendingPathComponent("fifty.script").path)
    try FileManager.default.createSymbolicLink(atPath: userDir.appendingPathComponent("defaultbc").path, withDestinationPath: "fifty.bc")
} catch { fail("\(error)") }

// As root, lmtpd drops to the Cyrus user (CYRUS_USER or `cyrus`): hand it the directory.
if getuid() == 0 {
    let name = ProcessInfo.processInfo.environment["CYRUS_USER"] ?? "cyrus"
    guard let user = getpwnam(name) else { fail("running as root, but there is no user \(name) for lmtpd to run as") }
    let paths = [base.path] + (FileManager.default.subpaths(atPath: base.path) ?? []).map { base.path + "/" + $0 }
    for path in paths { lchown(path, user.pointee.pw_uid, user.pointee.pw_gid) }
}

// A realistic message: it has a Message-ID and a Date, so duplicate suppression (SQLite) is
// on the path, as it is for real mail.
let line = String(repeating: "x", count: 62) + "\r\n"
let filler = String(repeating: line, count: 3800 / line.utf8.count + 1)
func envelope(to user: String) -> [UInt8] { Array(("MAIL FROM:<a@example.org>\r\nRCPT TO:<\(user)>\r\nDATA\r\n").utf8) }
func payload(_ id: String) -> [UInt8] {
    let headers = "Subject: benchmark\r\nFrom: a@example.org\r\nDate: Wed, 25 Nov 2026 03:00:00 +0000\r\n"
        + "Message-ID: <bench-\(id)@example.org>\r\n\r\n"
    return Array((headers + filler + ".\r\n").utf8)
}

// MARK: the disk's floor

func measureFloor(_ n: Int, round: Int) -> Double {
    let block = [UInt8](repeating: 0x78, count: 4096)
    let newFD = open(floorDir.appendingPathComponent("new").path, O_RDONLY | O_DIRECTORY)
    let start = MonotonicClock.now()
    for i in 0..<n {
        let tmp = floorDir.appendingPathComponent("tmp/\(round)-\(i)").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { fail("floor: open: \(errnoText())") }
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        rename(tmp, floorDir.appendingPathComponent("new/\(round)-\(i)").path)
        fsync(newFD)
    }
    let elapsed = MonotonicClock.now() - start
    close(newFD)
    return Double(n) / elapsed
}

// MARK: lmtpd on pipes

final class Session {
    let pid: pid_t
    let toChild: Int32
    let fromChild: Int32
    var buffer = [UInt8](repeating: 0, count: 65536)
    /// Messages sent by this session (numbers the Message-IDs).
    var sent = 0
    let message: [UInt8]

    init(to user: String = "bench") {
        message = envelope(to: user)
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        guard makePipe(&inPipe), makePipe(&outPipe) else { fail("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(lmtpd), strdup("-C"), strdup(config.path), nil]
        var child: pid_t = 0
        guard posix_spawn(&child, lmtpd, &actions, nil, &argv, environ) == 0 else { fail("cannot start \(lmtpd)") }
        posix_spawn_file_actions_destroy(&actions)
        close(inPipe[0]); close(outPipe[1])
        pid = child
        toChild = inPipe[1]
        fromChild = outPipe[0]
        expect("220 ")
    }

    func send(_ bytes: [UInt8]) {
        guard (try? writeAll(toChild, bytes)) == bytes.count else { fail("write to lmtpd failed") }
    }

    /// Reads until a reply line starting with `code` arrives (only final lines counted).
    func expect(_ code: String) {
        var text = ""
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fromChild, $0.baseAddress, $0.count) }
            guard n > 0 else { fail("lmtpd closed the session; got: \(text)") }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
            for reply in text.split(separator: "\r\n") where reply.count >= 4 && reply.dropFirst(3).first == " " {
                if reply.hasPrefix(code) { return }
                if !reply.hasPrefix("2") && !reply.hasPrefix("3") { fail("unexpected reply: \(reply)") }
            }
        }
    }

    func deliverOne() {
        send(message)
        expect("354")
        sent += 1
        send(payload("\(pid)-\(sent)"))
        expect("250 2.1.5")
    }

    func quit() {
        send(Array("QUIT\r\n".utf8))
        expect("221")
        close(toChild)
        close(fromChild)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

func measureFreshSessions(_ n: Int) -> Double {
    let start = MonotonicClock.now()
    for _ in 0..<n {
        let session = Session()
        session.send(Array("LHLO bench\r\n".utf8))
        session.expect("250 Ok")
        session.deliverOne()
        session.quit()
    }
    return Double(n) / (MonotonicClock.now() - start)
}

guard access(lmtpd, X_OK) == 0 else { fail("no lmtpd at \(lmtpd): build first (swift build -c release)") }
signal(SIGPIPE, SIG_IGN)
let rounds = 5
let perRound = max(1, count / rounds)
var floorSeconds = 0.0, sessionSeconds = 0.0, sieveSeconds = 0.0
let session = Session(), sieveSession = Session(to: "sieve")
for s in [session, sieveSession] {
    s.send(Array("LHLO bench\r\n".utf8))
    s.expect("250 Ok")
}
func timed(_ body: () -> Void) -> Double {
    let start = MonotonicClock.now()
    body()
    return MonotonicClock.now() - start
}
for round in 0..<rounds {
    floorSeconds += Double(perRound) / measureFloor(perRound, round: round)
    // Which session goes first alternates: the one after pays for the other's writeback.
    for sieveTurn in round % 2 == 0 ? [false, true] : [true, false] {
        if sieveTurn {
            sieveSeconds += timed { for _ in 0..<perRound { sieveSession.deliverOne() } }
        } else {
            sessionSeconds += timed { for _ in 0..<perRound { session.deliverOne() } }
        }
    }
}
session.quit()
sieveSession.quit()
let floor = Double(perRound * rounds) / floorSeconds
let one = Double(perRound * rounds) / sessionSeconds
let sieve = Double(perRound * rounds) / sieveSeconds
let fresh = measureFreshSessions(max(1, count / 4))
let delivered = (try? FileManager.default.contentsOfDirectory(atPath: partition.appendingPathComponent("bench/new").path).count) ?? 0
print("lmtp-bench: \(count) messages of 4 KiB into \(base.path)")
print(String(format: "  disk floor (write+fsync+rename+fsync dir)  %8.0f msg/s", floor))
print(String(format: "  lmtpd, one session                         %8.0f msg/s  (%3.0f %% of floor)", one, one / floor * 100))
print(String(format: "  lmtpd, one session, 50-rule Sieve script   %8.0f msg/s  (%3.0f %% of no script)", sieve, sieve / one * 100))
print(String(format: "  lmtpd, fresh process+session per message   %8.0f msg/s", fresh))
let expected = perRound * rounds + max(1, count / 4)
let filed = (try? FileManager.default.contentsOfDirectory(atPath: partition.appendingPathComponent("sieve/.Bench/cur").path))?
    .filter { $0.hasSuffix(":2,S") }.count ?? 0
print("  messages in new/: \(delivered) (expected \(expected)); filed by Sieve with \\Seen: \(filed) (expected \(perRound * rounds))")
if delivered != expected || filed != perRound * rounds { exit(1) }
try? FileManager.default.removeItem(at: base)

/// A pipe whose both ends are close-on-exec (spawn's dup2 clears the flag on the copies).
func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
