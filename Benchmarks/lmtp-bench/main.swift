// lmtp-bench: delivers N messages of each kind through lmtpd (4 KiB and 100 KiB, with DATA and
// with BDAT, 4 KiB through a 50-rule Sieve script; each kind over one session, and 4 KiB over
// fresh sessions) and prints the rates beside the disk's floor measured in the same run (write
// 4 KiB, fsync, rename into new/, fsync new/, serially): the most a one-at-a-time durable
// delivery can reach on this disk.
//
// usage: lmtp-bench [messages] [directory]   (default 1000, ./var/bench; keep it off tmpfs)
// LMTP_BENCH_CONFIG: extra imapd.conf lines (e.g. "duplicatesuppression: no").
// The floor and the one-session kinds (the Sieve one to a user with a 50-rule script: header,
// address, list and body tests; the last rule files the message with a flag) alternate in five
// rounds, so that a disk whose speed drifts (other load, writeback) affects all alike.
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

/// How the message crosses the wire: DATA (wait for 354, dot-terminated) or BDAT (RFC 3030,
/// pipelined with MAIL and RCPT, in chunks of at most 128 KiB as Dovecot's LMTP client sends).
enum Framing { case data, bdat }

/// The body filler of about `size` bytes.
func filler(_ size: Int) -> String { String(repeating: line, count: size / line.utf8.count + 1) }
let fillers = [4096: filler(3800), 102_400: filler(100_000)]

func message(_ id: String, size: Int) -> [UInt8] {
    let headers = "Subject: benchmark\r\nFrom: a@example.org\r\nDate: Wed, 25 Nov 2026 03:00:00 +0000\r\n"
        + "Message-ID: <bench-\(id)@example.org>\r\n\r\n"
    return Array((headers + fillers[size]!).utf8)
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
    let user: String
    let size: Int
    let framing: Framing

    init(to user: String = "bench", size: Int = 4096, framing: Framing = .data) {
        self.user = user
        self.size = size
        self.framing = framing
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
        sent += 1
        let body = message("\(pid)-\(sent)", size: size)
        let envelope = Array("MAIL FROM:<a@example.org>\r\nRCPT TO:<\(user)>\r\n".utf8)
        switch framing {
        case .data:
            send(envelope + Array("DATA\r\n".utf8))
            expect("354")
            send(body + Array(".\r\n".utf8))
        case .bdat:
            var out = envelope
            var offset = 0
            repeat {
                let end = min(body.count, offset + 131_072)
                out += Array("BDAT \(end - offset)\(end == body.count ? " LAST" : "")\r\n".utf8) + body[offset..<end]
                offset = end
            } while offset < body.count
            send(out)
        }
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

/// One kind of delivery measured over a single long session.
final class Workload {
    let label: String
    let session: Session
    var seconds = 0.0
    init(_ label: String, _ session: Session) {
        self.label = label
        self.session = session
    }
}
let dataSmall = Workload("lmtpd, one session, DATA 4 KiB", Session())
let sieve = Workload("lmtpd, one session, 50-rule Sieve script", Session(to: "sieve"))
let bdatSmall = Workload("lmtpd, one session, BDAT 4 KiB", Session(framing: .bdat))
let dataLarge = Workload("lmtpd, one session, DATA 100 KiB", Session(size: 102_400))
let bdatLarge = Workload("lmtpd, one session, BDAT 100 KiB", Session(size: 102_400, framing: .bdat))
let workloads = [dataSmall, sieve, bdatSmall, dataLarge, bdatLarge]
for workload in workloads {
    workload.session.send(Array("LHLO bench\r\n".utf8))
    workload.session.expect("250 Ok")
}
func timed(_ body: () -> Void) -> Double {
    let start = MonotonicClock.now()
    body()
    return MonotonicClock.now() - start
}
let rounds = 5
let perRound = max(1, count / rounds)
var floorSeconds = 0.0
for round in 0..<rounds {
    floorSeconds += Double(perRound) / measureFloor(perRound, round: round)
    // The order turns each round: the one after pays for the others' writeback.
    for index in workloads.indices {
        let workload = workloads[(index + round) % workloads.count]
        workload.seconds += timed { for _ in 0..<perRound { workload.session.deliverOne() } }
    }
}
for workload in workloads { workload.session.quit() }
let measured = Double(perRound * rounds)
let floor = measured / floorSeconds
func rate(_ workload: Workload) -> Double { measured / workload.seconds }
let fresh = measureFreshSessions(max(1, count / 4))
func count(_ sub: String) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: partition.appendingPathComponent(sub).path).count) ?? 0 }
print("lmtp-bench: \(perRound * rounds) messages per kind into \(base.path)")
func row(_ label: String, _ rate: Double, _ note: String = "") {
    print("  " + label.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: " %8.0f msg/s", rate) + note)
}
func share(_ part: Double, of whole: Double, _ what: String) -> String { String(format: "  (%3.0f %% of ", part / whole * 100) + what + ")" }
row("disk floor, 4 KiB (write+fsync+rename+fsync dir)", floor)
row(dataSmall.label, rate(dataSmall), share(rate(dataSmall), of: floor, "floor"))
row(sieve.label, rate(sieve), share(rate(sieve), of: rate(dataSmall), "DATA 4 KiB"))
row(bdatSmall.label, rate(bdatSmall), share(rate(bdatSmall), of: rate(dataSmall), "DATA 4 KiB"))
row(dataLarge.label, rate(dataLarge))
row(bdatLarge.label, rate(bdatLarge), share(rate(bdatLarge), of: rate(dataLarge), "DATA 100 KiB"))
row("lmtpd, fresh process+session per message", fresh)
let expected = perRound * rounds * 4 + max(1, count / 4)
let filed = (try? FileManager.default.contentsOfDirectory(atPath: partition.appendingPathComponent("sieve/.Bench/cur").path))?
    .filter { $0.hasSuffix(":2,S") }.count ?? 0
print("  messages in bench/new/: \(count("bench/new")) (expected \(expected)); filed by Sieve with \\Seen: \(filed) (expected \(perRound * rounds))")
if count("bench/new") != expected || filed != perRound * rounds { exit(1) }
try? FileManager.default.removeItem(at: base)

/// A pipe whose both ends are close-on-exec (spawn's dup2 clears the flag on the copies).
func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
