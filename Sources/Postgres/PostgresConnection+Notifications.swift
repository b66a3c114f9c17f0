import CPostgres
import Glibc

/// One NOTIFY received on a channel this connection listens to.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The server process that sent it (`pg_backend_pid()` of the sender).
    public var senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}

/// LISTEN/NOTIFY. A listener polls `socket` for input (with its other descriptors) and then
/// drains `notifications()`. After a `connectionLost` the channels are listened to again on
/// the next connection, but NOTIFYs sent in between are gone: reload what they announce.
extension PostgresConnection {
    /// LISTENs on `channel` (an identifier, case kept), now and on every later connection.
    public func listen(_ channel: String) throws(PostgresError) {
        let quoted = try Self.quotedIdentifier(channel)
        if !channels.contains(channel) { channels.append(channel) }
        try query("LISTEN \(quoted)")
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) throws(PostgresError) {
        let quoted = try Self.quotedIdentifier(channel)
        channels.removeAll { $0 == channel }
        try query("UNLISTEN \(quoted)")
    }

    /// Sends a NOTIFY (`pg_notify`, so the channel and payload are parameters); delivered when
    /// the current transaction commits.
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// The descriptor to poll for readability (notifications, or the server closing); nil
    /// when not connected. It changes with each new connection: ask again after errors.
    public var socket: Int32? {
        guard let handle else { return nil }
        let fd = cpg_PQsocket(handle)
        return fd >= 0 ? fd : nil
    }

    /// Reads what has arrived without blocking and returns the pending notifications, oldest
    /// first (empty when none). Throws `connectionLost` when the server has closed the
    /// connection; when not connected, connects (and listens) first.
    public func notifications() throws(PostgresError) -> [PostgresNotification] {
        guard let handle, cpg_PQstatus(handle) == CONNECTION_OK else {
            _ = try usableHandle()
            return []
        }
        if cpg_PQconsumeInput(handle) == 0 || cpg_PQstatus(handle) != CONNECTION_OK {
            let reason = Self.message(handle)
            close()
            throw PostgresError.connectionLost(reason)
        }
        var received: [PostgresNotification] = []
        while let notice = cpg_PQnotifies(handle) {
            let channel = String(cString: notice.pointee.relname)
            let payload = notice.pointee.extra.map { String(cString: $0) } ?? ""
            received.append(PostgresNotification(channel: channel, payload: payload, senderPID: notice.pointee.be_pid))
            cpg_PQfreemem(notice)
        }
        return received
    }
}
