/// `virtdomains`: how the domain of an address selects the mailbox domain.
public enum Virtdomains: String, Sendable, Hashable, CaseIterable {
    /// Domains are ignored (the default).
    case off
    /// The domain of a fully qualified userid is used; unqualified ones get `defaultdomain`.
    case userid
    /// Like `userid`; unqualified ids get the domain of the local interface's reverse DNS.
    case on
}

/// `serverinfo`: how much server information greetings show.
public enum ServerInfo: String, Sendable, Hashable, CaseIterable {
    /// No server information.
    case off
    /// Server name only.
    case min
    /// Server name and product version (the default).
    case on
}

/// `tls_client_certs`: whether clients may or must authenticate with a certificate.
public enum TLSClientCerts: String, Sendable, Hashable, CaseIterable {
    /// Client certificates are not requested.
    case off
    /// Requested but not required (the default).
    case optional
    /// Required.
    case require
}

/// `smtp_backend`: how Sieve redirects, vacation replies and rejections are sent.
public enum SMTPBackend: String, Sendable, Hashable, CaseIterable {
    /// A TCP connection to `smtp_host`.
    case host
    /// The `sendmail` program (the default).
    case sendmail
}

/// `duplicate_db`: Cyrus's database backend for duplicate suppression and Sieve's tracking
/// records. lmtpd keeps them in SQLite at `duplicate_db_path` for every value but `sql`, which
/// puts them in PostgreSQL (`sql_engine`, `sql_*`), shared by several hosts.
public enum CyrusDBBackend: String, Sendable, Hashable, CaseIterable {
    case skiplist
    case sql
    /// The default.
    case twoskip
    case zeroskip
}

/// `sql_engine`: the SQL server of `sql` databases. lmtpd speaks only PostgreSQL.
public enum SQLEngine: String, Sendable, Hashable, CaseIterable {
    case mysql
    case pgsql
    case sqlite
}
