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
}
