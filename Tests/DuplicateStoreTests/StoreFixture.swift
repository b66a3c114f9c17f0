import Foundation
import Glibc
import Postgres
import Testing
@testable import DuplicateStore

/// The two places duplicate records are kept; the behavioural tests run on both.
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }
}

/// Tuning of the stores (SQLite has no stale age, owner or host: its claims are locks that
/// die with their process).
struct StoreOptions {
    var staleClaimAge = 600
    var maximumAge = 3 * 86400
    var expiryInterval = 3600
    var claimOwner: Int32?
    var hostName: String?
}

/// One empty database of either engine (an SQLite file in a scratch directory, or a fresh
/// PostgreSQL database on the suite's server); stores opened on it share their records, as
/// lmtpd processes do.
final class StoreFixture: Sendable {
    let engine: Engine
    private let scratch: ScratchDirectory
    private let settings: PostgresSettings?

    init(_ engine: Engine) throws {
        self.engine = engine
        scratch = try ScratchDirectory()
        guard engine == .postgresql else {
            settings = nil
            return
        }
        let server = try PostgresInstance.current()
        let name = "dup_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try server.psql("CREATE DATABASE \(name)")
        settings = PostgresSettings(hostnames: "\(server.socketDirectory):\(server.port)", database: name,
                                    user: server.user, password: nil, useSSL: false)
    }

    /// The SQLite file (SQLite only).
    var path: String { scratch.database }

    /// A store on this database, as one more lmtpd process would open it.
    func open(_ tuning: StoreOptions = StoreOptions()) throws -> any DuplicateDatabase {
        switch engine {
        case .sqlite:
            var options = DuplicateStore.Options()
            options.maximumAge = tuning.maximumAge
            options.expiryInterval = tuning.expiryInterval
            return try DuplicateStore(path: scratch.database, options: options)
        case .postgresql:
            var options = PostgresDuplicateStore.Options()
            options.staleClaimAge = tuning.staleClaimAge
            options.maximumAge = tuning.maximumAge
            options.expiryInterval = tuning.expiryInterval
            options.claimOwner = tuning.claimOwner
            options.hostName = tuning.hostName
            return PostgresDuplicateStore(settings: try #require(settings), options: options)
        }
    }
}
