import Foundation
import Glibc
import POSIXCore

/// A program started with pipes on its standard input, output and error, driven with raw
/// descriptors so that a test controls exactly when bytes go and when the process dies.
final class ChildProcess {
    let pid: pid_t
    /// Our end of the child's standard input (write), output and error (read).
    private(set) var stdinFD: Int32
    let stdoutFD: Int32
    let stderrFD: Int32

    /// `newProcessGroup`: the child leads a process group of its own (as a shell's foreground
    /// job), so that a test can signal it and its descendants together, as Ctrl-C does.
    init(path: String, arguments: [String], environment: [String: String] = [:], newProcessGroup: Bool = false) throws {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard makePipe(&inPipe), makePipe(&outPipe), makePipe(&errPipe) else {
            throw POSIXError(.EMFILE)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CYRUS_SERVICE")
        env.removeValue(forKey: "CYRUS_ID")
        for (key, value) in environment { env[key] = value }
        let argv = [path] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        // Test threads may block signals; the child must start with none blocked and the
        // usual dispositions, as it would from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        let group = newProcessGroup ? POSIX_SPAWN_SETPGROUP : 0
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | group))
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attributes, &cArgs, &cEnv)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT)
        }
        pid = child
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes bytes to the child's standard input; false if the child no longer reads.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        (try? writeAll(stdinFD, bytes)) == bytes.count
    }

    func closeInput() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Reads standard output until it ends or `deadline` passes.
    func readAll(timeout: Double = 30) -> String {
        String(decoding: readBytes(from: stdoutFD, until: nil, timeout: timeout), as: UTF8.self)
    }

    /// Reads standard output until the text read so far contains `marker` (or EOF / timeout).
    func read(until marker: String, timeout: Double = 30) -> String {
        String(decoding: readBytes(from: stdoutFD, until: Array(marker.utf8), timeout: timeout), as: UTF8.self)
    }

    func readError(timeout: Double = 5) -> String {
        String(decoding: readBytes(from: stderrFD, until: nil, timeout: timeout), as: UTF8.self)
    }

    /// Reads one byte at a time once a marker is wanted (so nothing past it is consumed).
    private func readBytes(from fd: Int32, until marker: [UInt8]?, timeout: Double) -> [UInt8] {
        var result: [UInt8] = []
        let end = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: marker == nil ? 65536 : 1)
        while Date() < end {
            guard waitReadable(fd, until: end) else { break }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result.append(contentsOf: chunk[0..<n])
            if let marker, result.count >= marker.count, Array(result.suffix(marker.count)) == marker { break }
        }
        return result
    }

    /// Sends a signal.
    func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    /// Waits for the child to end; returns the exit status, or 128+signal when killed.
    @discardableResult
    func wait(timeout: Double = 30) -> Int32 {
        var code = reapChild(pid, within: timeout)
        if code == nil {
            Glibc.kill(pid, SIGKILL)
            code = reapChild(pid, within: 10)
        }
        closeInput()
        close(stdoutFD)
        close(stderrFD)
        return code ?? -1
    }
}

/// A pipe whose both ends are close-on-exec (spawn's dup2 clears the flag on the copies).
func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
