import Foundation
import Glibc
import Testing
@testable import Mailstore

/// A scratch directory on the real disk (not tmpfs: fsync must mean something), removed at
/// the end of the test. Mailboxes live in `<base>/root`; `base` itself must stay free of
/// anything the store creates, which is how escapes are detected.
final class Scratch {
    let base: String
    var root: String { base + "/root" }
    private var mounts: [String] = []

    init() throws {
        var template = Array("/var/tmp/mailstore-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ScratchError.failed("mkdtemp: \(String(cString: strerror(errno)))")
        }
        base = String(cString: made)
        guard mkdir(base + "/root", 0o700) == 0 else { throw ScratchError.failed("mkdir root") }
    }

    deinit {
        for mountPoint in mounts.reversed() { _ = umount2(mountPoint, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: base)
    }

    /// A store over this scratch root.
    func store(template: String = "%u", fsync: Bool = true) -> Mailstore {
        Mailstore(config: MailstoreConfig(partitionRoot: root, pathTemplate: template, hostname: "test.example", fsync: fsync))
    }

    /// Mounts a tmpfs of `size` (e.g. `64k`) on `path` (created if needed); false when mounting
    /// is not permitted here.
    func mountTmpfs(at path: String, size: String) -> Bool {
        _ = mkdir(path, 0o700)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(size),mode=0700") == 0 else { return false }
        mounts.append(path)
        return true
    }

    /// Names in a directory, sorted (empty when it does not exist).
    func list(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

enum ScratchError: Error { case failed(String) }

/// Whether this process may mount a tmpfs (we normally run as root); probed once.
let canMountTmpfs: Bool = {
    guard let scratch = try? Scratch() else { return false }
    return scratch.mountTmpfs(at: scratch.base + "/probe", size: "64k")
}()

/// Shorthand for an address that must be valid.
func address(_ user: String, _ domain: String? = nil) throws -> MailboxAddress {
    try #require(MailboxAddress.validated(user: user, domain: domain))
}

/// A recognisable message of `count` bytes.
func message(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    let header = Array("Subject: test \(seed)\r\n\r\n".utf8)
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        bytes[index] = index < header.count ? header[index] : UInt8(truncatingIfNeeded: index &* 31 &+ Int(seed)) | 0x20
    }
    return bytes
}

/// Writes `bytes` into `spool` in one call.
func write(_ bytes: [UInt8], to spool: SpoolFile) throws(StoreError) {
    let outcome = bytes.withUnsafeBytes { raw in
        Result { () throws(StoreError) in try spool.write(raw) }
    }
    try outcome.get()
}

/// Opens a spool in `mailbox`, writes `bytes`, delivers to `recipients`.
func deliver(_ bytes: [UInt8], via store: Mailstore, spoolIn mailbox: MailboxAddress,
             to recipients: [MailboxAddress]) throws -> [Result<DeliveredMessage, StoreError>] {
    let spool = try store.openSpool(in: mailbox)
    try write(bytes, to: spool)
    return store.deliver(spool, to: recipients)
}

/// The file's bytes.
func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

/// `stat` of a path.
func fileInfo(_ path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
}

/// The `,S=` value in a Maildir file name.
func recordedSize(_ name: String) -> Int? {
    guard let range = name.range(of: ",S=") else { return nil }
    return Int(name[range.upperBound...].prefix { $0.isNumber })
}
