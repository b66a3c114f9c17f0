import Foundation
import Sieve

/// Runs Pigeonhole's `sieve-test` (Debian `dovecot-sieve`) on a corpus case and translates its
/// report into our dry-run lines. As root it runs as `nobody` through `runuser`, in a
/// directory that user may write (sieve-test saves a compiled binary beside the script).
enum PigeonholeOracle {
    static let executable = "/usr/bin/sieve-test"

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    static func makeWorkDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sieve-oracle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        chmod(url.path, 0o777)
        return url
    }

    static func run(_ corpusCase: CorpusCase, in directory: URL) throws -> [String] {
        let script = directory.appendingPathComponent("case.sieve")
        let message = directory.appendingPathComponent("case.eml")
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("case.svbin"))
        try Data(corpusCase.script.utf8).write(to: script)
        try Data(CorpusCase.message(named: corpusCase.message)).write(to: message)
        chmod(script.path, 0o644)
        chmod(message.path, 0o644)
        var arguments = [executable, "-x", "+editheader +vacation-seconds", "-f", corpusCase.from.isEmpty ? "<>" : corpusCase.from,
                         "-a", corpusCase.to, "-r", corpusCase.to, script.path, message.path]
        if getuid() == 0 { arguments = ["/usr/sbin/runuser", "-u", "nobody", "--"] + arguments }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return translate(String(decoding: data, as: UTF8.self), status: process.terminationStatus)
    }

    /// sieve-test's "Performed actions" / "Implicit keep" report as our lines.
    static func translate(_ report: String, status: Int32) -> [String] {
        if status == 89 { return SieveDryRunFormat.compileErrorLines() }
        let keep = "store mailbox=INBOX flags=- create=0 copy=0 implicit=1"
        if status != 0 { return ["status=runtime_error", keep] }
        var lines: [String] = []
        var stores: [SieveAction] = []
        var implicitSection = false
        var store: (mailbox: String, flags: [String], create: Bool, copy: Bool, implicit: Bool)?
        var redirect: (to: String, copy: Bool)?
        var vacation: (seconds: String, subject: String, from: String, body: [String])?
        var inBody = false
        func flush() {
            if let s = store { stores.append(.store(mailbox: s.mailbox, flags: s.flags, create: s.create, copy: s.copy, implicit: s.implicit)) }
            if let r = redirect { lines.append("redirect to=\(r.to) copy=\(r.copy ? 1 : 0)") }
            if let v = vacation {
                lines.append("vacation seconds=\(v.seconds) subject=\(v.subject) from=\(v.from) body=\(SieveDryRunFormat.json(v.body.joined(separator: "\r\n")))")
            }
            store = nil; redirect = nil; vacation = nil
        }
        for raw in report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if inBody {
                if raw == "END MESSAGE" { inBody = false } else { vacation?.body.append(raw) }
                continue
            }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if raw == "START MESSAGE" { inBody = true; continue }
            if line == "Implicit keep:" { flush(); implicitSection = true; continue }
            if line.hasPrefix("* ") {
                flush()
                let action = String(line.dropFirst(2))
                if let folder = action.after("store message in folder: ") {
                    store = (folder, [], false, false, implicitSection)
                } else if let to = action.after("redirect message to: ") {
                    redirect = (String(to.dropFirst().dropLast()), false)
                } else if let reason = action.after("reject message with reason: ") {
                    lines.append("reject reason=\(SieveDryRunFormat.json(reason))")
                } else if action == "discard" {
                    lines.append("discard")
                } else if action.hasPrefix("send vacation message") {
                    vacation = ("?", "-", "-", [])
                } else if let handle = action.after("track duplicate with handle: ") {
                    lines.append("duplicate-track handle=\(SieveDryRunFormat.json(handle))")
                } else if let handle = action.after("track last duplicate with handle: ") {
                    lines.append("duplicate-track handle=\(SieveDryRunFormat.json(handle))")
                } else if action == "track duplicate" || action == "track last duplicate" {
                    lines.append("duplicate-track handle=-")
                } else {
                    lines.append("unknown \(action)")
                }
                continue
            }
            if let flags = line.after("+ add IMAP flags: ") { store?.flags = flags.split(separator: " ").map(String.init) }
            if line == "+ create mailbox if it does not exist" { store?.create = true }
            if line == "+ preserve implicit keep" { store?.copy = true; redirect?.copy = true }
            if let seconds = line.after("=> seconds : ") { vacation?.seconds = seconds }
            if let subject = line.after("=> subject : ") { vacation?.subject = SieveDryRunFormat.json(subject) }
            if let from = line.after("=> from    : ") { vacation?.from = from }
        }
        flush()
        return ["status=ok"] + (lines + mergedByFolder(stores).map(SieveDryRunFormat.line)).sorted()
    }
}

/// Store actions merged the way our dry run prints them: one per folder, flags united,
/// `create` if any, `copy` and `implicit` only if all.
func mergedByFolder(_ stores: [SieveAction]) -> [SieveAction] {
    var merged: [SieveAction] = []
    for action in stores {
        guard case .store(let mailbox, let flags, let create, let copy, let implicit) = action else { continue }
        if let index = merged.firstIndex(where: { if case .store(mailbox, _, _, _, _) = $0 { return true }; return false }),
           case .store(_, let oldFlags, let oldCreate, let oldCopy, let oldImplicit) = merged[index] {
            merged[index] = .store(mailbox: mailbox, flags: oldFlags + flags.filter { !oldFlags.contains($0) },
                                   create: oldCreate || create, copy: oldCopy && copy, implicit: oldImplicit && implicit)
        } else {
            merged.append(action)
        }
    }
    return merged
}

extension String {
    func after(_ prefix: String) -> String? { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil }
}
