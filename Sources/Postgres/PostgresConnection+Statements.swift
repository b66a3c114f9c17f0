import CPostgres
import Glibc
import POSIXCore

/// Statements: parameterized only (`PQsendQueryParams`, text in and out), each bounded by
/// the statement timeout on the server and, a second later, on the client.
extension PostgresConnection {
    /// Runs one statement with `$1`, `$2`... bound to `parameters` (nil is NULL). The server
    /// infers each parameter's type from where it is used (cast, e.g. `$1::bigint`, where it
    /// cannot).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        _ = try usableHandle()
        return try run(sql, parameters)
    }

    /// Runs `body` between `BEGIN` and `COMMIT`; `ROLLBACK` when it throws (and the
    /// connection is still there). A connection lost inside fails the rest of the body
    /// (`connectionLost`) and is made again only by the next call after it.
    public func transaction<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        try query("BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        do throws(PostgresError) {
            let result = try body(self)
            try run("COMMIT", [])
            return result
        } catch {
            if isConnected { _ = try? run("ROLLBACK", []) }
            throw error
        }
    }

    /// Sends and waits on the current connection (no reconnect: inside a transaction, a new
    /// connection would silently run the rest outside it).
    @discardableResult
    func run(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> PostgresResult {
        guard let handle, cpg_PQstatus(handle) == CONNECTION_OK else { throw PostgresError.connectionLost("not connected") }
        for parameter in parameters where parameter?.utf8.contains(0) == true {
            throw PostgresError.invalidArgument("a parameter contains a NUL character")
        }
        let values = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let sent = values.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            cpg_PQsendQueryParams(handle, sql, Int32(parameters.count), nil, pointers.baseAddress, nil, nil, 0)
        }
        guard sent == 1 else { throw lost(handle) }
        let deadline = MonotonicClock.now() + settings.statementTimeout + 1
        try flush(handle, until: deadline)
        return try collect(handle, until: deadline)
    }

    /// Sends what libpq still holds (a large statement may not fit the socket at once).
    private func flush(_ handle: OpaquePointer, until deadline: Double) throws(PostgresError) {
        while true {
            let state = cpg_PQflush(handle)
            if state == 0 { return }
            if state < 0 { throw lost(handle) }
            try wait(handle, for: Int16(POLLOUT | POLLIN), until: deadline)
            if cpg_PQconsumeInput(handle) == 0 { throw lost(handle) }
        }
    }

    /// Reads replies until libpq has every result; the last error, or the last result.
    private func collect(_ handle: OpaquePointer, until deadline: Double) throws(PostgresError) -> PostgresResult {
        var outcome: Result<PostgresResult, PostgresError> = .success(PostgresResult())
        while true {
            while cpg_PQisBusy(handle) != 0 {
                try wait(handle, for: Int16(POLLIN), until: deadline)
                if cpg_PQconsumeInput(handle) == 0 { throw lost(handle) }
            }
            guard let result = cpg_PQgetResult(handle) else { break }
            defer { cpg_PQclear(result) }
            let status = cpg_PQresultStatus(result)
            if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
                if case .success = outcome { outcome = .success(PostgresResult(result)) }
            } else {
                outcome = .failure(refusal(result))
            }
        }
        if cpg_PQstatus(handle) != CONNECTION_OK { throw lost(handle) }
        return try outcome.get()
    }

    /// Waits for the socket; past the deadline the connection is given up (its state is
    /// unknown: a reply may still come).
    private func wait(_ handle: OpaquePointer, for events: Int16, until deadline: Double) throws(PostgresError) {
        switch DescriptorReadiness.wait(fd: cpg_PQsocket(handle), events: events, until: deadline) {
        case .ready:
            return
        case .timedOut:
            close()
            throw PostgresError.connectionLost("no reply within \(settings.statementTimeout + 1) s")
        case .failed(let reason):
            close()
            throw PostgresError.connectionLost("poll: \(reason)")
        }
    }

    /// The server's refusal of a statement: SQLSTATE and primary message.
    private func refusal(_ result: OpaquePointer) -> PostgresError {
        let state = cpg_PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "XX000"
        let primary = cpg_PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        let whole = cpg_PQresultErrorMessage(result).map { String(cString: $0).replacingNewlines() }
        return .queryFailed(sqlState: state, message: primary ?? whole ?? "unknown error")
    }

    /// The connection broke: forget it (the next call reconnects) and say why.
    private func lost(_ handle: OpaquePointer) -> PostgresError {
        let reason = Self.message(handle)
        close()
        return .connectionLost(reason)
    }
}
