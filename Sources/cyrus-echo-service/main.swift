// cyrus-echo-service: a minimal Cyrus service child for testing minimaster on its own.
// It follows the child side of docs/cyrus-compatibility.md §2.3: accept on fd 4
// serialized by the {configdirectory}/socket/<service>-<id>.lock fcntl lock, UNAVAILABLE
// after accept, CONNECTION before serving, AVAILABLE when it will accept again; -U uses,
// -T idle timeout (armed after the first session), exit 75 on SIGTERM/SIGINT/SIGQUIT and 0
// on SIGHUP (when idle, or after the session in progress). `--fail N` exits N at once.
import CShims
import ConfParse
import Glibc
import POSIXCore
import ServiceContract

let startDescriptors = openDescriptors()

func openDescriptors() -> [Int32] {
    guard let dir = opendir("/proc/self/fd") else { return [] }
    defer { closedir(dir) }
    let own = dirfd(dir)
    var result: [Int32] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let fd = Int32(name), fd != own { result.append(fd) }
    }
    return result.sorted()
}

func complain(_ text: String) {
    let line = "cyrus-echo-service[\(getpid())]: \(text)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

let (parsed, usage) = EchoOptions.parse(Array(CommandLine.arguments.dropFirst()))
guard let options = parsed else {
    complain(usage ?? "usage error")
    exit(ExitStatus.usage)
}
if let status = options.failStatus { exit(status) }
guard let service = getenv(ServiceContract.Environment.service).map({ String(cString: $0) }), !service.isEmpty,
      let id = getenv(ServiceContract.Environment.id).map({ String(cString: $0) }) else {
    complain("CYRUS_SERVICE and CYRUS_ID must be set (run me under minimaster)")
    exit(ExitStatus.software)
}
let configDirectory: String
do throws(ConfigError) {
    configDirectory = try ImapdConfig.load(path: options.configFile, service: service)[.configdirectory] ?? "/var/lib/cyrus"
} catch {
    complain("\(error)")
    exit(1)
}

signal(SIGPIPE, SIG_IGN)
let handled = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGALRM]
_ = handled.withUnsafeBufferPointer { cshim_catch_signals($0.baseAddress, Int32($0.count)) }
for fd in [ServiceContract.statusFD, ServiceContract.listenFD] {
    _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
}
let lockPath = ServiceContract.acceptLockPath(configDirectory: configDirectory, service: service, id: id)
let lockFD = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
if lockFD < 0 { complain("unable to open lock file \(lockPath): \(errnoText()); locking disabled") }
let status = StatusPipe()
let armedTimeout = options.reuseTimeout > 0 ? options.reuseTimeout + Int.random(in: 0..<options.reuseTimeout) : 0

nonisolated var terminating: Bool { [SIGTERM, SIGINT, SIGQUIT].contains { cshim_signal_pending($0) != 0 } }
nonisolated var anySignal: Bool { terminating || cshim_signal_pending(SIGHUP) != 0 || cshim_signal_pending(SIGALRM) != 0 }
nonisolated func idleExit() -> Never { exit(terminating ? ExitStatus.tempFail : ExitStatus.ok) }

/// fd 4 is a datagram socket (a `proto=udp` service).
let isDatagram: Bool = {
    var type: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(ServiceContract.listenFD, SOL_SOCKET, SO_TYPE, &type, &length) == 0
        && type == Int32(SOCK_DGRAM.rawValue)
}()

/// Waits for a connection (lock held by the caller); nil when a signal says stop. For a
/// datagram socket nothing is accepted: fd 4 itself is returned once a datagram waits.
nonisolated func acceptOne() -> Int32? {
    while true {
        if anySignal { return nil }
        var fds = [pollfd(fd: ServiceContract.listenFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: cshim_signal_pipe_fd(), events: Int16(POLLIN), revents: 0)]
        switch Poll.once(&fds, until: nil) {
        case .ready, .timedOut: break
        case .interrupted: continue
        case .failed: exit(ExitStatus.osError)
        }
        if fds[1].revents != 0 { cshim_drain_signal_pipe(); continue }
        if fds[0].revents & Int16(POLLNVAL | POLLERR) != 0 { exit(ExitStatus.osError) }
        if isDatagram { return ServiceContract.listenFD }
        let fd = accept(ServiceContract.listenFD, nil, nil)
        if fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return fd
        }
        switch errno {
        case EINTR, EAGAIN, ECONNABORTED, EPROTO, ENETDOWN, EHOSTUNREACH, ENETUNREACH: continue
        default:
            if anySignal { return nil }
            exit(ExitStatus.osError)
        }
    }
}

/// UDP: one datagram in, `<greeting>: <text>` back to its sender.
func answerDatagram(greeting: String) {
    var buffer = [UInt8](repeating: 0, count: 2048)
    var peer = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let n = withUnsafeMutablePointer(to: &peer) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            buffer.withUnsafeMutableBytes { recvfrom(ServiceContract.listenFD, $0.baseAddress, $0.count, 0, address, &length) }
        }
    }
    guard n >= 0 else { return }
    let reply = Array((greeting + ": ").utf8) + buffer[0..<n]
    _ = withUnsafePointer(to: &peer) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            reply.withUnsafeBytes { sendto(ServiceContract.listenFD, $0.baseAddress, $0.count, 0, address, length) }
        }
    }
}

var served = 0
while true {
    if served > 0 && armedTimeout > 0 { alarm(UInt32(armedTimeout)) }
    if lockFD >= 0 {
        while true {
            do throws(Errno) {
                try FileLock.lock(lockFD)
                break
            } catch {
                if error.code != EINTR { exit(ExitStatus.osError) }
                if anySignal { idleExit() }
            }
        }
    }
    let connection = acceptOne()
    if lockFD >= 0 { try? FileLock.unlock(lockFD) }
    guard let connection else { idleExit() }
    alarm(0)
    status.send(.unavailable)
    status.send(.connection)
    served += 1
    if isDatagram {
        answerDatagram(greeting: "\(service) \(options.greeting) pid=\(getpid())")
    } else {
        EchoSession(fd: connection, greeting: "220 \(service) \(options.greeting) pid=\(getpid()) id=\(id) ready",
                    startDescriptors: startDescriptors).run()
        close(connection)
    }
    if terminating { exit(ExitStatus.tempFail) }
    if cshim_signal_pending(SIGHUP) != 0 { exit(ExitStatus.ok) }
    if served >= max(1, options.uses) { exit(ExitStatus.ok) }
    _ = cshim_take_signal(SIGALRM)
    status.send(.available)
}
