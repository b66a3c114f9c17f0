import Foundation
import Glibc

/// The user our programs become when a test starts them as root (`cyrus_user`'s default), as
/// on a real installation: the testbed's files must be theirs before a server starts, and a
/// file a test writes while a server runs must be handed over too.
enum ServiceUserHandover {
    /// Cyrus's default `cyrus_user` (Debian's cyrus-common creates it).
    static let user = "cyrus"

    /// Whether the tests run as root, so our programs drop to `user`.
    static var dropsPrivileges: Bool { geteuid() == 0 }

    /// Gives `root` and everything under it to the service user when the tests run as root.
    static func prepare(_ root: URL) throws {
        guard dropsPrivileges else { return }
        try chownTree(root, to: user)
    }

    /// The uid of the service user (nil when it does not exist).
    static var uid: uid_t? { getpwnam(user).map { $0.pointee.pw_uid } }
}

/// Gives `root` and everything below it to `user` (and the user's primary group).
func chownTree(_ root: URL, to user: String) throws {
    guard let entry = getpwnam(user) else { throw POSIXError(.ENOENT) }
    let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
    chown(root.path, uid, gid)
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    while let relative = enumerator?.nextObject() as? String {
        chown(root.appendingPathComponent(relative).path, uid, gid)
    }
}

/// The owner of a file (nil when it cannot be stat'ed).
func fileOwner(_ path: String) -> uid_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_uid : nil
}
