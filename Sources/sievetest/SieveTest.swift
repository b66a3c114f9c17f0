import ArgumentParser
import ConfParse
import Foundation
import Sieve

/// `sievetest`: runs a Sieve script on a message without delivering anything and prints the
/// actions it would take, one per line (`SieveDryRunFormat`).
@main
struct SieveTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sievetest",
        abstract: "Dry-run a Sieve script on a message and print the resulting actions.")

    @Option(name: .customShort("C"), help: "imapd.conf to read sieve_* options from (default: built-in defaults).")
    var config: String?

    @Option(name: .customShort("f"), help: "Envelope sender (MAIL FROM); empty for <>.")
    var from: String = "sender@example.org"

    @Option(name: .customShort("a"), help: "Original recipient, what `envelope \"to\"` tests (default: -r).")
    var originalRecipient: String?

    @Option(name: .customShort("r"), help: "Final recipient (the user's address).")
    var recipient: String = "recipient@example.org"

    @Argument(help: "The Sieve script.")
    var script: String

    @Argument(help: "The message (RFC 5322, LF or CRLF line ends).")
    var message: String

    func run() throws {
        var limits = SieveLimits()
        if let config {
            do {
                let imapd = try ImapdConfig.load(path: config, service: "sievetest")
                apply(imapd, to: &limits)
            } catch {
                FileHandle.standardError.write(Data("sievetest: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let scriptBytes = try readFile(script)
        let messageBytes = try readFile(message)
        let scriptURL = URL(fileURLWithPath: script)
        let directory = scriptURL.deletingLastPathComponent()
        let name = scriptURL.deletingPathExtension().lastPathComponent
        let loader: SieveIncludeLoader = { include, location in
            let folder = location == .global ? directory.appendingPathComponent("global") : directory
            for suffix in [".script", ".sieve", ""] {
                if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(include + suffix).path) {
                    return [UInt8](data)
                }
            }
            return nil
        }
        let compiled: CompiledScript
        do {
            compiled = try SieveCompiler.compile(scriptBytes, name: name, includeLoader: loader, limits: limits)
        } catch {
            for line in SieveDryRunFormat.compileErrorLines() { print(line) }
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            throw ExitCode(2)
        }
        let finalRecipient = recipient
        let envelope = SieveEnvelope(from: from, to: originalRecipient ?? finalRecipient)
        let context = SieveContext(
            userAddresses: [finalRecipient] + (originalRecipient.map { [$0] } ?? []),
            // A dry run has no mail store: only INBOX exists, nothing was seen before.
            mailboxExists: { $0 == "INBOX" },
            isDuplicate: { _ in false },
            now: Int64(Date().timeIntervalSince1970),
            localZoneOffsetMinutes: TimeZone.current.secondsFromGMT() / 60,
            environment: ["host": ProcessInfo.processInfo.hostName, "domain": Self.domain(of: finalRecipient)],
            limits: limits)
        let result = SieveRunner.run(compiled, message: SieveMessage(bytes: messageBytes), envelope: envelope, context: context)
        for line in SieveDryRunFormat.lines(result) { print(line) }
        for diagnostic in result.errors { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
        if result.status == .runtimeError { throw ExitCode(1) }
    }

    private static func domain(of address: String) -> String {
        address.split(separator: "@").dropFirst().last.map(String.init) ?? ""
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("sievetest: cannot read \(path)\n".utf8))
            throw ExitCode(2)
        }
        return [UInt8](data)
    }

    /// `sieve_maxscriptsize` (KB), `sieve_vacation_min_response` / `max_response` (durations,
    /// a bare number is seconds), `sieve_duplicate_max_expiration`.
    private func apply(_ imapd: ImapdConfig, to limits: inout SieveLimits) {
        if let size = imapd.overflow("sieve_maxscriptsize").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            limits.maxScriptSizeKB = size
        }
        if let value = imapd.overflow("sieve_vacation_min_response").flatMap(Self.seconds) { limits.vacationMinResponse = value }
        if let value = imapd.overflow("sieve_vacation_max_response").flatMap(Self.seconds) { limits.vacationMaxResponse = value }
        limits.duplicateMaxExpiration = imapd[.sieveDuplicateMaxExpiration]
    }

    /// Cyrus's duration syntax: digits with optional d/h/m/s units (`1d12h`); bare = seconds.
    static func seconds(_ text: String) -> Int? {
        var total = 0
        var number: Int?
        for character in text.trimmingCharacters(in: .whitespaces).lowercased() {
            if let digit = character.wholeNumberValue {
                number = (number ?? 0) * 10 + digit
                continue
            }
            let unit: Int
            switch character {
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard let value = number else { return nil }
            total += value * unit
            number = nil
        }
        return total + (number ?? 0)
    }
}
