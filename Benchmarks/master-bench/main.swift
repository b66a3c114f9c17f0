// master-bench: connections per second through minimaster with fresh sessions (connect, read
// the greeting, QUIT, read the reply) over a unix socket and TCP, with children reused and with
// a fork per connection (-U 1), for the echo test service and for lmtpd; and the latency from
// a connection arriving with no idle child to its greeting (fork → exec → first accept).
//
// Usage: master-bench [seconds-per-run (default 2)]
import Foundation
import Glibc
import POSIXCore

let secondsPerRun = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 2
let binaries = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    .deletingLastPathComponent().path
let root = "/tmp/master-bench-\(getpid())"
signal(SIGPIPE, SIG_IGN)

// MARK: setup

func writeFile(_ path: String, _ text: String) {
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

for dir in ["conf", "mail/alice/new", "mail/alice/cur", "mail/alice/tmp", "s"] {
    try? FileManager.default.createDirectory(atPath: "\(root)/\(dir)", withIntermediateDirectories: true)
}
writeFile("\(root)/imapd.conf", "configdirectory: \(root)/conf\npartition-default: \(root)/mail\nservername: bench.example\n")
/// Two consecutive free loopback ports below the ephemeral range (32768 and up on Linux), where
/// no outgoing connection can hold them.
let port: Int = {
    func free(_ candidate: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(candidate).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
    for _ in 0..<200 {
        let candidate = Int.random(in: 20_000..<32_000)
        if free(candidate) && free(candidate + 1) { return candidate }
    }
    return 20_000 + Int(getpid() % 12_000)
}()
let imapd = "\(root)/imapd.conf"
writeFile("\(root)/cyrus.conf", """
    SERVICES {
      echo     cmd="cyrus-echo-service -C \(imapd) -U 100000" listen="\(root)/s/echo" prefork=4
      echotcp  cmd="cyrus-echo-service -C \(imapd) -U 100000" listen="127.0.0.1:\(port)" prefork=4
      echofork cmd="cyrus-echo-service -C \(imapd) -U 1" listen="\(root)/s/echofork" prefork=4
      echocold cmd="cyrus-echo-service -C \(imapd) -U 1" listen="\(root)/s/echocold" prefork=0 maxchild=1
      lmtp     cmd="lmtpd -C \(imapd)" listen="\(root)/s/lmtp" prefork=4
      lmtptcp  cmd="lmtpd -a -C \(imapd)" listen="127.0.0.1:\(port + 1)" prefork=4
      lmtpfork cmd="lmtpd -C \(imapd) -U 1" listen="\(root)/s/lmtpfork" prefork=4
      lmtpcold cmd="lmtpd -C \(imapd) -U 1" listen="\(root)/s/lmtpcold" prefork=0 maxchild=1
    }
    """)

func spawnMaster() -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "\(root)/master.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ["\(binaries)/minimaster", "-M", "\(root)/cyrus.conf", "-C", imapd]
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 else {
        fatalError("cannot start \(argv[0]); build first: swift build -c release")
    }
    return pid
}

// MARK: client

enum Target { case unix(String), tcp(Int) }

func connectTo(_ target: Target) -> Int32 {
    switch target {
    case .unix(let path):
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        return fd
    case .tcp(let port):
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
        return fd
    }
}

/// Reads until a line starting with `code` + space has arrived; false on EOF.
func readUntil(_ fd: Int32, _ code: String) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 4096)
    var text = ""
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
        // (Swift sees "\r\n" as one Character: test the bytes.)
        if (text.hasPrefix(code + " ") || text.contains("\n" + code + " ")) && text.utf8.last == 0x0A { return true }
    }
}

/// One fresh session; the seconds from connect to greeting, nil on failure.
func session(_ target: Target) -> Double? {
    let start = MonotonicClock.now()
    let fd = connectTo(target)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard readUntil(fd, "220") else { return nil }
    let greeted = MonotonicClock.now() - start
    let quit = Array("QUIT\r\n".utf8)
    _ = quit.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard readUntil(fd, "221") else { return nil }
    return greeted
}

func waitReady(_ target: Target, master: pid_t) {
    let end = MonotonicClock.now() + 20
    while MonotonicClock.now() < end {
        if session(target) != nil { return }
        usleep(20_000)
    }
    kill(master, SIGTERM)
    fatalError("service \(target) did not answer; see \(root)/master.log")
}

// MARK: runs

final class Counter: @unchecked Sendable {
    let lock = NSLock()
    var sessions = 0, failures = 0
    var latencies: [Double] = []
}

/// `clients` threads run sessions back to back for `seconds`.
func throughput(_ target: Target, clients: Int, seconds: Double) -> (perSecond: Double, failures: Int, latencies: [Double]) {
    let counter = Counter()
    let group = DispatchGroup()
    let end = MonotonicClock.now() + seconds
    let started = MonotonicClock.now()
    for _ in 0..<clients {
        group.enter()
        Thread {
            var done = 0, failed = 0
            var latencies: [Double] = []
            while MonotonicClock.now() < end {
                if let latency = session(target) { done += 1; latencies.append(latency) } else { failed += 1 }
            }
            counter.lock.withLock {
                counter.sessions += done
                counter.failures += failed
                counter.latencies += latencies
            }
            group.leave()
        }.start()
    }
    group.wait()
    let elapsed = MonotonicClock.now() - started
    return (Double(counter.sessions) / elapsed, counter.failures, counter.latencies.sorted())
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}

func ms(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }

let master = spawnMaster()
defer { kill(master, SIGTERM) }
let targets: [(String, Target)] = [
    ("echo", .unix("\(root)/s/echo")), ("echotcp", .tcp(port)), ("echofork", .unix("\(root)/s/echofork")),
    ("echocold", .unix("\(root)/s/echocold")), ("lmtp", .unix("\(root)/s/lmtp")), ("lmtptcp", .tcp(port + 1)),
    ("lmtpfork", .unix("\(root)/s/lmtpfork")), ("lmtpcold", .unix("\(root)/s/lmtpcold")),
]
for (_, target) in targets { waitReady(target, master: master) }

print("master-bench: fresh sessions (connect, greeting, QUIT, 221) through minimaster, \(secondsPerRun) s per run, \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
print("")
print(pad("service", 10) + " " + pad("children", 35) + " " + pad("transport", 9) + " " + pad("clients", 7, right: true)
      + pad("sessions/s", 13, right: true) + pad("greeting p50 ms", 17, right: true) + pad("p90 ms", 8, right: true)
      + pad("failures", 10, right: true))
let rows: [(String, String, String, Int)] = [
    ("echo", "reused (prefork=4, -U 100000)", "unix", 1), ("echo", "reused (prefork=4, -U 100000)", "unix", 4),
    ("echotcp", "reused (prefork=4, -U 100000)", "tcp", 4),
    ("echofork", "fork per session (-U 1, prefork=4)", "unix", 4),
    ("lmtp", "reused (prefork=4, -U 250)", "unix", 1), ("lmtp", "reused (prefork=4, -U 250)", "unix", 4),
    ("lmtptcp", "reused (prefork=4, -U 250)", "tcp", 4),
    ("lmtpfork", "fork per session (-U 1, prefork=4)", "unix", 4),
]
for (name, children, transport, clients) in rows {
    guard let target = targets.first(where: { $0.0 == name })?.1 else { continue }
    let r = throughput(target, clients: clients, seconds: secondsPerRun)
    print(pad(name, 10) + " " + pad(children, 35) + " " + pad(transport, 9) + " " + pad("\(clients)", 7, right: true)
          + pad(String(format: "%.0f", r.perSecond), 13, right: true) + pad(ms(percentile(r.latencies, 0.5)), 17, right: true)
          + pad(ms(percentile(r.latencies, 0.9)), 8, right: true) + pad("\(r.failures)", 10, right: true))
}
print("")
print("fork → first accept: a connection waits with no idle child (prefork=0, maxchild=1, -U 1):")
print("minimaster forks, the child execs, takes the accept lock and accepts; time connect → greeting")
print(pad("program", 20) + pad("samples", 8, right: true) + pad("p50 ms", 9, right: true) + pad("p90 ms", 9, right: true)
      + pad("max ms", 9, right: true) + pad("idle child p50 ms", 24, right: true))
for (name, warm, label) in [("echocold", "echo", "cyrus-echo-service"), ("lmtpcold", "lmtp", "lmtpd")] {
    guard let cold = targets.first(where: { $0.0 == name })?.1, let hot = targets.first(where: { $0.0 == warm })?.1 else { continue }
    var samples: [Double] = []
    for _ in 0..<40 {
        // Let the previous child exit and be reaped so the next connection finds none.
        usleep(30_000)
        if let latency = session(cold) { samples.append(latency) }
    }
    samples.sort()
    let idle = throughput(hot, clients: 1, seconds: 0.5).latencies
    print(pad(label, 20) + pad("\(samples.count)", 8, right: true) + pad(ms(percentile(samples, 0.5)), 9, right: true)
          + pad(ms(percentile(samples, 0.9)), 9, right: true) + pad(ms(samples.last ?? .nan), 9, right: true)
          + pad(ms(percentile(idle, 0.5)), 24, right: true))
}
kill(master, SIGTERM)
var status: Int32 = 0
waitpid(master, &status, 0)
try? FileManager.default.removeItem(atPath: root)
