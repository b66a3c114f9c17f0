import CPostgres

/// The rows of one statement, copied out of libpq's result (text format: every value is
/// text, NULL is nil).
public struct PostgresResult: Sendable, Equatable {
    /// Column names, in order.
    public var columns: [String]
    /// One array of values per row, in column order.
    public var rows: [[String?]]
    /// Rows inserted, updated or deleted (`PQcmdTuples`), 0 for other statements.
    public var affectedRows: Int

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The value of `column` in row `row`; nil when NULL or out of range.
    public func value(_ row: Int, _ column: String) -> String? {
        guard rows.indices.contains(row), let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    /// Copies a successful libpq result.
    init(_ result: OpaquePointer) {
        let fields = cpg_PQnfields(result)
        columns = (0..<fields).map { String(cString: cpg_PQfname(result, $0)) }
        rows = (0..<cpg_PQntuples(result)).map { row in
            (0..<fields).map { column in
                cpg_PQgetisnull(result, row, column) != 0 ? nil : String(cString: cpg_PQgetvalue(result, row, column))
            }
        }
        affectedRows = Int(String(cString: cpg_PQcmdTuples(result))) ?? 0
    }
}
