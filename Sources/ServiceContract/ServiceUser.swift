import Glibc

/// The unprivileged identity Cyrus's programs run as, and the drop from root to it
/// (docs/cyrus-compatibility.md, "Privileges").
///
/// The user is the `CYRUS_USER` environment variable when set, else imapd.conf's `cyrus_user`
/// (default `cyrus`); the group is `cyrus_group` when set, else the user's primary group. The
/// drop sets the supplementary groups (the user's, as `initgroups(3)`), then the gid, then the
/// uid, and checks that root cannot be regained. A user that resolves to uid 0 is refused: a
/// Cyrus service never delivers as root.
/// Depends on: Glibc only.
public struct ServiceUser: Sendable, Equatable {
    /// The user name, as configured.
    public var name: String
    public var uid: uid_t
    public var gid: gid_t
    /// The group name when `cyrus_group` chose the group; nil: the user's primary group.
    public var groupName: String?

    /// Cyrus's default `cyrus_user`.
    public static let defaultName = "cyrus"
    /// The environment variable that overrides `cyrus_user`.
    public static let environmentVariable = "CYRUS_USER"

    /// Why the identity cannot be used; `description` names the option to fix.
    public enum Problem: Error, CustomStringConvertible, Equatable {
        case unknownUser(String, option: String)
        case unknownGroup(String)
        case isRoot(String, option: String)
        case dropFailed(String)

        public var description: String {
            switch self {
            case .unknownUser(let name, let option): "\(option): no such user \"\(name)\""
            case .unknownGroup(let name): "cyrus_group: no such group \"\(name)\""
            case .isRoot(let name, let option): "\(option): user \"\(name)\" is root; services must not run as root"
            case .dropFailed(let reason): "unable to drop root privileges: \(reason)"
            }
        }
    }

    /// The identity named by the environment and the two options (`cyrus_user`, `cyrus_group`,
    /// nil or empty when unset).
    public static func resolve(userOption: String?, groupOption: String?,
                               environment: String? = Self.environmentValue()) throws(Problem) -> ServiceUser {
        let (name, option): (String, String)
        if let environment, !environment.isEmpty {
            (name, option) = (environment, "the \(environmentVariable) environment variable")
        } else if let userOption, !userOption.isEmpty {
            (name, option) = (userOption, "cyrus_user")
        } else {
            (name, option) = (defaultName, "cyrus_user (default \"\(defaultName)\")")
        }
        guard let entry = getpwnam(name) else { throw .unknownUser(name, option: option) }
        let uid = entry.pointee.pw_uid
        var gid = entry.pointee.pw_gid
        if uid == 0 { throw .isRoot(name, option: option) }
        var groupName: String?
        if let groupOption, !groupOption.isEmpty {
            guard let group = getgrnam(groupOption) else { throw .unknownGroup(groupOption) }
            gid = group.pointee.gr_gid
            groupName = groupOption
        }
        return ServiceUser(name: name, uid: uid, gid: gid, groupName: groupName)
    }

    /// `CYRUS_USER` from this process's environment.
    public static func environmentValue() -> String? {
        getenv(environmentVariable).map { String(cString: $0) }
    }

    /// Whether this process has root's rights (effective uid 0).
    public static var isRoot: Bool { geteuid() == 0 }

    /// Becomes this user for good: supplementary groups, gid, uid, then checks that uid 0
    /// cannot be taken back. Must be called as root.
    public func become() throws(Problem) {
        if initgroups(name, gid) != 0 { throw .dropFailed("initgroups(\(name)): \(Self.errorText())") }
        if setgid(gid) != 0 { throw .dropFailed("setgid(\(gid)): \(Self.errorText())") }
        if setuid(uid) != 0 { throw .dropFailed("setuid(\(uid)): \(Self.errorText())") }
        if setuid(0) == 0 || geteuid() == 0 { throw .dropFailed("root could be regained after setuid(\(uid))") }
    }

    /// Hands a file or directory this process created as root to this user (`chown`).
    public func takeOwnership(of path: String) -> Bool {
        chown(path, uid, gid) == 0
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
