import CShim
import Glibc
import LaunchSpec

/// unshare's --owner in fork mode: a new user namespace belongs to the
/// effective IDs of whoever creates it, so swclone takes the owner's IDs
/// (and no groups) just around clone3, and its own back at once.
struct OwnerCredentials {
    let uid: uid_t, euid: uid_t, gid: gid_t, egid: gid_t
    let groups: [gid_t]

    static func take(_ owner: NamespaceOwner) throws -> OwnerCredentials {
        var groups = [gid_t](repeating: 0, count: Int(max(0, getgroups(0, nil))))
        let count = getgroups(Int32(groups.count), &groups)
        let saved = OwnerCredentials(
            uid: getuid(), euid: geteuid(), gid: getgid(), egid: getegid(), groups: Array(groups.prefix(Int(max(0, count)))))
        guard sw_owner_take(owner.uid, owner.gid) == 0 else {
            let err = errno
            saved.restore()
            throw SwcloneError.setup(
                "--owner \(owner.uid):\(owner.gid): cannot take these IDs to create the user namespace: \(errnoText(err))")
        }
        return saved
    }

    /// Back to swclone's own IDs; its saved user ID never changed, so this cannot be refused.
    func restore() {
        _ = groups.withUnsafeBufferPointer { sw_owner_restore(uid, euid, gid, egid, $0.baseAddress, $0.count) }
    }
}
