import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies bound text before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection (not thread-safe: its owner serialises use).
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    /// Frames in the write-ahead log after this connection's last commit (SQLite's WAL hook).
    private let wal = WALFrames()

    /// Opens (creating if needed) the database at `path`; waits up to `busyTimeout`
    /// milliseconds for locks held by other connections.
    init(path: String, busyTimeout: Int32) throws(DuplicateStoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw DuplicateStoreError(operation: "open \(path)", code: code, message: message)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeout)
        sqlite3_wal_hook(db, { context, _, _, frames in
            if let context { Unmanaged<WALFrames>.fromOpaque(context).takeUnretainedValue().count = frames }
            return SQLITE_OK
        }, Unmanaged.passUnretained(wal).toOpaque())
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs SQL text without results (may hold several statements).
    func execute(_ sql: String) throws(DuplicateStoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        if code != SQLITE_OK { throw error(code, "execute \(sql)") }
    }

    /// A prepared statement, kept for the connection's lifetime.
    func prepare(_ sql: String) throws(DuplicateStoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, "prepare \(sql)") }
        return SQLiteStatement(statement, connection: self)
    }

    /// Frames in the write-ahead log after this connection's last commit.
    var walFrames: Int32 { wal.count }

    /// Copies the log into the database and, once no reader needs the log any more, starts it
    /// again from its beginning (`SQLITE_CHECKPOINT_RESTART`); waits at most the busy timeout
    /// for readers. Returns SQLite's result code (busy: the copy was partial, try later).
    @discardableResult
    func checkpoint() -> Int32 {
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ code: Int32, _ operation: String) -> DuplicateStoreError {
        DuplicateStoreError(operation: "\(operation) (\(path))", code: code, message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// The frame count SQLite's WAL hook reports after each commit.
private final class WALFrames {
    var count: Int32 = 0
}

/// A prepared statement: bind, step, read columns; reset after each use.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// A value to bind.
    enum Value {
        case text(String)
        case integer(Int64)
    }

    /// Binds `values` to the parameters 1...n, runs the statement and calls `row` for each
    /// result row; resets the statement afterwards.
    func run(_ values: [Value], row: (SQLiteStatement) -> Void = { _ in }) throws(DuplicateStoreError) {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(let text): code = sqlite3_bind_text(statement, index, text, Int32(text.utf8.count), transient)
            case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
            }
            if code != SQLITE_OK { throw connection.error(code, "bind") }
        }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_ROW {
                row(self)
                continue
            }
            if code == SQLITE_DONE { return }
            throw connection.error(code, "step \(String(cString: sqlite3_sql(statement)))")
        }
    }

    /// An integer column of the current row.
    func integer(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    /// A text column of the current row.
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: bytes)
    }
}

extension DuplicateStoreError {
    /// Whether another SQLite connection held the database past the busy timeout.
    public var isBusy: Bool { engine == .sqlite && (code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED) }
}
