/// Collects reply lines and writes them with one `ByteOutput.write` per batch: the session
/// flushes only when it is about to wait for input, before a DATA body, and at the end, so a
/// pipelined group of commands is answered with one write.
final class ReplyWriter {
    private let output: ByteOutput
    private var pending: [UInt8] = []
    /// The first write error; after it nothing more is written.
    private(set) var failure: StreamError?

    init(output: ByteOutput) {
        self.output = output
        pending.reserveCapacity(4096)
    }

    /// Queues one line; CRLF is added.
    func send(_ line: String) {
        pending.append(contentsOf: line.utf8)
        pending.append(13)
        pending.append(10)
    }

    /// Queues several lines.
    func send(_ lines: [String]) {
        for line in lines { send(line) }
    }

    /// Whether replies are waiting to be written.
    var hasPending: Bool { !pending.isEmpty }

    /// Writes the queued lines, if any, in one call.
    func flush() throws(StreamError) {
        if let failure { throw failure }
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: true) }
        let output = self.output
        let error = pending.withUnsafeBytes { bytes -> StreamError? in
            do throws(StreamError) {
                try output.write(bytes)
                return nil
            } catch {
                return error
            }
        }
        if let error {
            failure = error
            throw error
        }
    }

    /// Flushes, ignoring errors (for a last goodbye on a connection that may be gone).
    func flushQuietly() {
        do { try flush() } catch { /* the session is ending anyway */ }
    }
}
