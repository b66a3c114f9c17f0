import Foundation
import Glibc

/// Many clients at once, driven from one thread with `poll`: each connects, waits for the
/// greeting, then sends its steps one at a time, each waiting for a complete reply
/// (continuation lines `250-` included) that must start with the expected code.
enum MasterLoad {
    struct Step {
        var send: String
        var expect: String
    }

    struct Result {
        /// Clients that completed every step.
        var served = 0
        /// What went wrong, one line per failed client.
        var failures: [String] = []
        /// Greetings received.
        var greetings: [String] = []
    }

    private struct Client {
        var fd: Int32
        var buffer: [UInt8] = []
        var reply: [String] = []
        /// -1: waiting for the greeting.
        var step = -1
        var finished = false
    }

    static func run(_ target: MasterTarget, clients count: Int, steps: [Step], timeout: Double = 30) -> Result {
        var result = Result()
        var clients: [Client] = []
        for i in 0..<count {
            switch MasterClient.connect(target) {
            case .success(let client):
                let fd = dup(client.fd)   // the MasterClient closes its own copy
                clients.append(Client(fd: fd))
            case .failure(let error):
                result.failures.append("client \(i): connect: \(error.code)")
            }
        }
        let end = Date().addingTimeInterval(timeout)
        while clients.contains(where: { !$0.finished }) && Date() < end {
            var fds = clients.map { pollfd(fd: $0.finished ? -1 : $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }
            for i in clients.indices where fds[i].revents != 0 && !clients[i].finished {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(clients[i].fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 {
                    result.failures.append("client \(i): connection closed at step \(clients[i].step)")
                    clients[i].finished = true
                    continue
                }
                clients[i].buffer += chunk[0..<n]
                advance(&clients[i], index: i, steps: steps, result: &result)
            }
        }
        for i in clients.indices {
            if !clients[i].finished { result.failures.append("client \(i): timed out at step \(clients[i].step)") }
            close(clients[i].fd)
        }
        return result
    }

    /// Consumes complete replies and sends the next step.
    private static func advance(_ client: inout Client, index: Int, steps: [Step], result: inout Result) {
        while !client.finished, let newline = client.buffer.firstIndex(of: 0x0A) {
            var line = Array(client.buffer[..<newline])
            client.buffer.removeSubrange(...newline)
            if line.last == 0x0D { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            client.reply.append(text)
            if text.count >= 4 && Array(text)[3] == "-" { continue }
            let reply = client.reply.joined(separator: "\n")
            client.reply = []
            if client.step == -1 {
                result.greetings.append(text)
            } else if !text.hasPrefix(steps[client.step].expect) {
                result.failures.append("client \(index): step \(client.step) (\(steps[client.step].send.prefix(20))): \(reply)")
                client.finished = true
                return
            }
            client.step += 1
            if client.step == steps.count {
                result.served += 1
                client.finished = true
                return
            }
            let bytes = Array((steps[client.step].send + "\r\n").utf8)
            _ = bytes.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}

/// Samples the number of minimaster's children every couple of milliseconds on a thread and
/// keeps the maximum.
final class MasterChildMonitor: @unchecked Sendable {
    private let lock = NSLock()
    private var maximum = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(master: pid_t) {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let count = processChildren(of: master).count
                lock.withLock { maximum = max(maximum, count) }
                usleep(2_000)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops sampling; the largest count seen.
    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { maximum }
    }
}
