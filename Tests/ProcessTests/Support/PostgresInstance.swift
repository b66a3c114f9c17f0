import Foundation
import Glibc
import Synchronization
import Testing

/// A private PostgreSQL server for tests: Debian's `postgresql` package (its binaries in
/// `/usr/lib/postgresql/<version>/bin`), a fresh cluster in a temporary directory, listening on
/// a unix socket in that directory and on a loopback port. Run as the `postgres` system user
/// when the tests run as root (PostgreSQL refuses root), through `setpriv`, which execs the
/// server: its PID is ours to stop (SIGINT, a fast shutdown). The directory is removed by `stop()`.
///
/// Logins: over the socket without a password (`trust`), over TCP with the password
/// (`scram-sha-256`). Starting takes well under two seconds (no fsync anywhere).
///
/// Self-contained (Foundation and Glibc only), so that other test targets can share this file.
final class PostgresInstance: Sendable {
    /// Shared by the tests of a suite marked `.sharedPostgres` (nil elsewhere).
    @TaskLocal static var shared: PostgresInstance?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let user = "postgres"
    let password = "pg-test-secret"
    let database = "postgres"
    /// The temporary directory: `data/` (the cluster), `socket/`, `server.log`.
    let directory: String
    var socketDirectory: String { directory + "/socket" }
    var dataDirectory: String { directory + "/data" }
    var logFile: String { directory + "/server.log" }
    let port: UInt16
    private let server = Mutex<pid_t?>(nil)
    private let removed = Mutex(false)

    /// The directory of Debian's PostgreSQL programs (the newest version installed).
    static var binaries: String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap { Int($0) }.max()
        return newest.map { "/usr/lib/postgresql/\($0)/bin" }.flatMap { access($0 + "/postgres", X_OK) == 0 ? $0 : nil }
    }

    /// Makes a cluster and starts the server; waits (at most `timeout` seconds) until it
    /// accepts connections.
    static func start(timeout: Double = 20) throws -> PostgresInstance {
        let instance = try PostgresInstance()
        do {
            try instance.startServer(timeout: timeout)
        } catch {
            instance.stop()
            throw error
        }
        return instance
    }

    private init() throws {
        guard Self.binaries != nil else { throw Failure(description: "PostgreSQL is not installed: run scripts/setup-deps") }
        var template = Array("/tmp/pgtest.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp: \(String(cString: strerror(errno)))") }
        directory = String(cString: made)
        port = Self.freePort()
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: false)
        try (password + "\n").write(toFile: directory + "/pwfile", atomically: false, encoding: .utf8)
        try Self.giveToServerUser(directory)
        let (status, output) = try run(["initdb", "-D", dataDirectory, "-U", user, "-E", "UTF8", "--no-sync", "--no-instructions",
                                        "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=\(directory)/pwfile"])
        guard status == 0 else { throw Failure(description: "initdb failed (\(status)): \(output)") }
        unlink(directory + "/pwfile")
        // Other users (lmtpd runs as cyrus) reach the socket; the cluster itself stays 0700.
        chmod(directory, 0o755)
    }

    deinit { stop() }

    /// Starts the server on the existing cluster (again after `stopServer`).
    func startServer(timeout: Double = 20) throws {
        let pid = try spawn(["postgres", "-D", dataDirectory, "-k", socketDirectory, "-p", String(port), "-h", "127.0.0.1",
                             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                             "-c", "max_connections=40", "-c", "shared_buffers=16MB"], output: logFile)
        server.withLock { $0 = pid }
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let status = reap(pid, wait: false) {
                server.withLock { $0 = nil }
                throw Failure(description: "postgres exited at start (\(status)): \(log)")
            }
            if (try? run(["pg_isready", "-q", "-h", socketDirectory, "-p", String(port)]))?.status == 0 { return }
            usleep(20_000)
        }
        throw Failure(description: "postgres did not accept connections within \(timeout) s: \(log)")
    }

    /// Stops the server by its PID (SIGINT: fast shutdown; SIGKILL after 10 s) and reaps it;
    /// the cluster stays. Idempotent.
    func stopServer() {
        guard let pid = server.withLock({ current in defer { current = nil }; return current }) else { return }
        kill(pid, SIGINT)
        let end = Date().addingTimeInterval(10)
        while Date() < end {
            if reap(pid, wait: false) != nil { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = reap(pid, wait: true)
    }

    /// Stops the server and removes the directory. Idempotent.
    func stop() {
        stopServer()
        let first = removed.withLock { done in defer { done = true }; return !done }
        if first { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The server's log so far.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Runs SQL through `psql` over the socket (unaligned, tuples only, stops at the first
    /// error); returns what it printed, or throws with its output when it failed.
    @discardableResult
    func psql(_ sql: String, database: String? = nil) throws -> String {
        let (status, output) = try run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory,
                                        "-p", String(port), "-U", user, "-d", database ?? self.database, "-c", sql])
        guard status == 0 else { throw Failure(description: "psql failed (\(status)): \(output)") }
        return output.hasSuffix("\n") ? String(output.dropLast()) : output
    }

    // MARK: Processes

    /// Whether PostgreSQL's programs must be started as the `postgres` user (we are root).
    private static var asServerUser: Bool { geteuid() == 0 }

    private static func giveToServerUser(_ path: String) throws {
        guard asServerUser else { return }
        guard let account = getpwnam("postgres") else { throw Failure(description: "no system user postgres (install postgresql)") }
        guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0,
              chown(path + "/socket", account.pointee.pw_uid, account.pointee.pw_gid) == 0,
              chown(path + "/pwfile", account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw Failure(description: "chown \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs one of PostgreSQL's programs to its end; its exit status and output.
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputFile = directory + "/command-\(UUID().uuidString.prefix(8)).out"
        defer { unlink(outputFile) }
        let pid = try spawn(arguments, output: outputFile)
        let status = reap(pid, wait: true) ?? -1
        return (status, (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "")
    }

    /// Starts `arguments[0]` from PostgreSQL's directory (as `postgres` through setpriv when
    /// root), with no signal blocked, /dev/null as input and `output` for its output.
    private func spawn(_ arguments: [String], output: String) throws -> pid_t {
        guard let binaries = Self.binaries else { throw Failure(description: "PostgreSQL is not installed") }
        let program = binaries + "/" + arguments[0]
        let argv = Self.asServerUser
            ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", program] + arguments.dropFirst()
            : [program] + arguments.dropFirst()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        let variables: [String] = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "PGPASSWORD=" + password]
        let environment = variables.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environment)
        guard code == 0 else { throw Failure(description: "cannot start \(argv[0]): \(String(cString: strerror(code)))") }
        return pid
    }

    /// Reaps `pid`: its exit status (128 + signal when killed), nil while it runs (`wait`
    /// false) or when it is not our child.
    private func reap(_ pid: pid_t, wait: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, wait ? 0 : WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if result < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// A loopback port nothing listens on now, below the ephemeral range.
    private static func freePort() -> UInt16 {
        for _ in 0..<200 {
            let port = UInt16.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        return UInt16.random(in: 20_000..<32_000)
    }
}

/// `@Suite(.sharedPostgres)`: one server for all the tests of the suite, started before the
/// first and stopped after the last; each test reads it as `PostgresInstance.shared`.
struct SharedPostgres: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try PostgresInstance.start()
        defer { server.stop() }
        try await PostgresInstance.$shared.withValue(server) { try await function() }
    }
}

extension Trait where Self == SharedPostgres {
    static var sharedPostgres: Self { SharedPostgres() }
}

extension PostgresInstance {
    /// The suite's shared server (fails the test outside a `.sharedPostgres` suite).
    static func current() throws -> PostgresInstance {
        try #require(shared, "the suite needs the .sharedPostgres trait")
    }
}
