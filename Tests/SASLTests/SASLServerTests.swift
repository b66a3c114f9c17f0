import Foundation
import SASL
import Testing

/// `SASLServer` on the real libsasl2 with a private sasldb made by `saslpasswd2`: the
/// mechanisms libsasl offers for the options, real exchanges, wrong passwords, EXTERNAL.
@Suite("SASL server on libsasl2", .serialized)
struct SASLServerTests {
    let db: SASLDatabase

    init() throws {
        startLibrary()
        db = try SASLDatabase(users: ["alice": "secret", "bob": "hunter2"])
    }

    func server(_ options: SASLOptions? = nil, policy: SASLPolicy = SASLPolicy(allowPlaintext: true),
                forced: String? = nil) throws -> SASLServer {
        try SASLServer(service: "lmtp", serverFQDN: db.realm, localAddress: "127.0.0.1;24", remoteAddress: "127.0.0.1;40000",
                       options: options ?? db.options, policy: policy, forcedMechanisms: forced)
    }

    @Test func installedModulesOfferTheUsualMechanisms() throws {
        let mechanisms = try server().mechanisms()
        for expected in ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"] { #expect(mechanisms.contains(expected)) }
        #expect(!mechanisms.contains("ANONYMOUS"))
    }

    @Test func plaintextNeedsAllowPlaintext() throws {
        let mechanisms = try server(policy: SASLPolicy()).mechanisms()
        #expect(!mechanisms.contains("PLAIN") && !mechanisms.contains("LOGIN"))
        #expect(mechanisms.contains("CRAM-MD5"))
        if case .failure(let error) = try server(policy: SASLPolicy()).start(mechanism: "PLAIN", initialResponse: Array("\0alice\0secret".utf8)) {
            #expect(error.kind == .encryptionRequired || error.kind == .noMechanism)
        } else {
            Issue.record("PLAIN was accepted without allowplaintext")
        }
    }

    @Test func tlsStrengthEnablesPlaintext() throws {
        let connection = try server(policy: SASLPolicy())
        connection.setExternal(ssf: 256, authID: nil)
        #expect(connection.mechanisms().contains("PLAIN"))
    }

    @Test func mechListSelects() throws {
        var options = db.options
        options.set("mech_list", "PLAIN CRAM-MD5")
        let mechanisms = try server(options).mechanisms()
        #expect(Set(mechanisms) == ["CRAM-MD5", "PLAIN"])
    }

    @Test func minimumLayerAboveTLSLeavesNothing() throws {
        #expect(try server(policy: SASLPolicy(minimumSSF: 56, allowPlaintext: true)).mechanisms().isEmpty)
        let connection = try server(policy: SASLPolicy(minimumSSF: 56, allowPlaintext: true))
        connection.setExternal(ssf: 128, authID: nil)
        #expect(connection.mechanisms().contains("PLAIN"))
    }

    @Test func plainSucceedsAndFails() throws {
        let connection = try server()
        #expect(connection.start(mechanism: "PLAIN", initialResponse: Array("\0alice\0secret".utf8))
                == .success(username: "alice", ssf: 0))
        connection.reset()
        guard case .failure(let error) = connection.start(mechanism: "PLAIN", initialResponse: Array("\0alice\0nope".utf8)) else {
            Issue.record("wrong password accepted")
            return
        }
        #expect(error.kind == .badCredentials)
        connection.reset()
        guard case .failure(let unknown) = connection.start(mechanism: "PLAIN", initialResponse: Array("\0mallory\0x".utf8)) else {
            Issue.record("unknown user accepted")
            return
        }
        #expect(unknown.kind == .badCredentials)
    }

    @Test func plainWithoutInitialResponseChallengesEmpty() throws {
        let connection = try server()
        #expect(connection.start(mechanism: "PLAIN", initialResponse: nil) == .challenge([]))
        #expect(connection.step(Array("\0bob\0hunter2".utf8)) == .success(username: "bob", ssf: 0))
    }

    @Test func loginTakesTwoSteps() throws {
        let connection = try server()
        guard case .challenge = connection.start(mechanism: "LOGIN", initialResponse: nil) else { throw Unexpected() }
        guard case .challenge = connection.step(Array("alice".utf8)) else { throw Unexpected() }
        #expect(connection.step(Array("secret".utf8)) == .success(username: "alice", ssf: 0))
    }

    @Test func cramMD5() throws {
        let connection = try server()
        guard case .challenge(let challenge) = connection.start(mechanism: "CRAM-MD5", initialResponse: nil) else { throw Unexpected() }
        let digest = hmacMD5(key: Array("secret".utf8), message: challenge)
        let response = Array("alice \(digest)".utf8)
        #expect(connection.step(response) == .success(username: "alice", ssf: 0))
    }

    @Test func malformedPlainIsAFailureNotACrash() throws {
        let connection = try server()
        for garbage in [[], [0], Array("alice".utf8), [0, 0, 0, 0], [UInt8](repeating: 0xFF, count: 5000)] as [[UInt8]] {
            connection.reset()
            if case .success = connection.start(mechanism: "PLAIN", initialResponse: garbage) {
                Issue.record("garbage accepted: \(garbage.prefix(8))")
            }
        }
    }

    @Test func unknownMechanism() throws {
        guard case .failure(let error) = try server().start(mechanism: "NOSUCH", initialResponse: nil) else { throw Unexpected() }
        #expect(error.kind == .noMechanism)
    }

    @Test func forcedExternalIsAllAPreauthorizedConnectionOffers() throws {
        let connection = try server(forced: "EXTERNAL")
        connection.setExternal(ssf: 2, authID: "postman")
        #expect(connection.mechanisms() == ["EXTERNAL"])
        #expect(connection.start(mechanism: "EXTERNAL", initialResponse: []) == .success(username: "postman", ssf: 0))
        let again = try server(forced: "EXTERNAL")
        again.setExternal(ssf: 2, authID: "postman")
        if case .success = again.start(mechanism: "PLAIN", initialResponse: Array("\0alice\0secret".utf8)) {
            Issue.record("PLAIN accepted on a preauthorized connection")
        }
    }

    @Test func missingDatabaseFailsCleanly() throws {
        var options = db.options
        options.set("sasldb_path", db.directory.appendingPathComponent("missing").path)
        let connection = try server(options)
        if case .success = connection.start(mechanism: "PLAIN", initialResponse: Array("\0alice\0secret".utf8)) {
            Issue.record("authenticated against a missing database")
        }
    }
}

struct Unexpected: Error {}
