#if canImport(Glibc)
import Glibc
#endif

/// One line of /proc/PID/uid_map or gid_map: `count` IDs from `inner` inside
/// the namespace are `outer` outside it.
public struct IDMapEntry: Equatable, Sendable {
    public var inner: UInt32
    public var outer: UInt32
    public var count: UInt32

    public init(inner: UInt32, outer: UInt32, count: UInt32) {
        self.inner = inner
        self.outer = outer
        self.count = count
    }
}

/// The ID maps of a new user namespace, written before the program runs.
public struct UserNamespaceSetup: Equatable, Sendable {
    public var uidMap: [IDMapEntry]
    public var gidMap: [IDMapEntry]
    /// /proc/PID/setgroups: "deny" must be there before an unprivileged gid_map.
    public var denySetgroups: Bool?

    public init(uidMap: [IDMapEntry], gidMap: [IDMapEntry], denySetgroups: Bool?) {
        self.uidMap = uidMap
        self.gidMap = gidMap
        self.denySetgroups = denySetgroups
    }

    public var uidMapText: String? { Self.text(uidMap) }
    public var gidMapText: String? { Self.text(gidMap) }
    public var setgroupsText: String? { denySetgroups.map { $0 ? "deny" : "allow" } }

    private static func text(_ map: [IDMapEntry]) -> String? {
        // A loop, not joined(): joined() has the runtime look a conformance up by name, a scan
        // of every conformance in the binary that cost a third of an in-place launch.
        var text = ""
        for entry in map { text += "\(entry.inner) \(entry.outer) \(entry.count)\n" }
        return text.isEmpty ? nil : text
    }

    /// Who writes a map from the parent user namespace, by the kernel's rules
    /// (user_namespaces(7)): a caller with CAP_SETUID (CAP_SETGID) writes any uid_map
    /// (gid_map); any caller may write one line mapping its own ID (for gid_map, with
    /// setgroups denied); anything else needs newuidmap/newgidmap and /etc/subuid.
    public func writers(uid: uid_t, gid: gid_t, canSetUID: Bool, canSetGID: Bool) -> MapWriters {
        MapWriters(
            uid: uidMap.isEmpty ? nil : canSetUID || Self.isOwn(uidMap, id: uid) ? .caller : .helper,
            gid: gidMap.isEmpty ? nil : canSetGID || (Self.isOwn(gidMap, id: gid) && denySetgroups == true) ? .caller : .helper)
    }

    /// Whether the process in the new namespace (swclone in place, or its child) can write
    /// these maps itself: it has no capability left in the parent namespace, so only in the
    /// unprivileged form; else they are written from outside (by swclone, or in place by a
    /// helper made before unshare).
    public func writableBySelf(uid: uid_t, gid: gid_t) -> Bool {
        let w = writers(uid: uid, gid: gid, canSetUID: false, canSetGID: false)
        return w.uid != .helper && w.gid != .helper
    }

    private static func isOwn(_ map: [IDMapEntry], id: UInt32) -> Bool {
        map.count == 1 && map[0].count == 1 && map[0].outer == id
    }
}

/// Who writes each map; nil when there is none to write.
public struct MapWriters: Equatable, Sendable {
    public enum Writer: Equatable, Sendable {
        /// swclone writes /proc/PID/uid_map (gid_map) itself.
        case caller
        /// newuidmap (newgidmap) writes it, checking /etc/subuid (/etc/subgid).
        case helper
    }

    public var uid: Writer?
    public var gid: Writer?

    public init(uid: Writer?, gid: Writer?) {
        self.uid = uid
        self.gid = gid
    }

    public var needsHelper: Bool { uid == .helper || gid == .helper }
}
