import Testing
@testable import ConfParse

/// `duplicate_db` and Cyrus's `sql_*` options, typed (lmtpd reads them for `duplicate_db: sql`).
@Suite("imapd.conf: duplicate_db and the sql_* options")
struct SQLOptionTests {
    @Test("Cyrus's defaults: twoskip, no engine, empty host list, no SSL")
    func defaults() throws {
        let c = try imapdResult("").get()
        #expect(c[.duplicateDb] == .twoskip)
        #expect(c[.sqlEngine] == nil && c[.sqlDatabase] == nil && c[.sqlUser] == nil && c[.sqlPasswd] == nil)
        #expect(c[.sqlHostnames] == "")
        #expect(c[.sqlUsessl] == false)
        #expect(c.notImplementedOptions.isEmpty)
    }

    @Test("values as written; duplicate_db is implemented now, so setting it warns about nothing")
    func values() throws {
        let c = try imapdResult("""
            duplicate_db: sql
            sql_engine: pgsql
            sql_hostnames: db1, db2:5433
            sql_database: cyrus
            sql_user: cyrus
            sql_passwd: s3cret
            sql_usessl: yes

            """).get()
        #expect(c[.duplicateDb] == .sql && c[.sqlEngine] == .pgsql)
        #expect(c[.sqlHostnames] == "db1, db2:5433" && c[.sqlDatabase] == "cyrus" && c[.sqlUser] == "cyrus")
        #expect(c[.sqlPasswd] == "s3cret" && c[.sqlUsessl])
        #expect(c.notImplementedOptions.isEmpty)
    }

    @Test("values Cyrus refuses are refused: an unknown engine or backend, a non-switch")
    func refusals() {
        #expect(imapdErrors("sql_engine: oracle\n").first?.message.hasPrefix("invalid value 'oracle' for sql_engine") == true)
        #expect(imapdErrors("duplicate_db: berkeley\n").first?.message.hasPrefix("invalid value 'berkeley' for duplicate_db") == true)
        #expect(imapdErrors("sql_usessl: maybe\n").first?.message.hasPrefix("non-switch value for sql_usessl") == true)
    }
}
