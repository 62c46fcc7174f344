/// The cgroup controllers swclone sets limits with.
public struct Controllers: OptionSet, Equatable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let memory = Controllers(rawValue: 1)
    public static let pids = Controllers(rawValue: 2)
    public static let cpu = Controllers(rawValue: 4)

    /// Each controller with its name in cgroup.controllers and /proc/self/cgroup.
    public static let named: [(controller: Controllers, name: String)] = [(.memory, "memory"), (.pids, "pids"), (.cpu, "cpu")]

    public var names: String {
        Self.named.filter { contains($0.controller) }.map(\.name).joined(separator: ", ")
    }
}

/// One cgroup hierarchy a transient cgroup can be made in, as read from
/// /proc/self/mountinfo, /proc/self/cgroup and the parent's files.
public struct CgroupHierarchy: Equatable, Sendable {
    /// cgroup v2, or a v1 hierarchy.
    public var version2: Bool
    /// Where the transient cgroup goes: swclone's own cgroup in this hierarchy, or --cgroup-parent's directory.
    public var parent: String
    public var fromOption: Bool
    /// v1: the controllers mounted with this hierarchy; v2: those in the parent's cgroup.controllers
    /// (read for a --cgroup-parent directory only, which swclone may give its children controllers).
    public var controllers: Controllers
    /// v2: those in the parent's cgroup.subtree_control, which its children get.
    public var enabled: Controllers
    /// swclone may create a directory in the parent (cgroup v2's decides whether --timeout alone makes one).
    public var writable: Bool

    public init(
        version2: Bool, parent: String, fromOption: Bool = false, controllers: Controllers, enabled: Controllers = [],
        writable: Bool = true
    ) {
        self.version2 = version2
        self.parent = parent
        self.fromOption = fromOption
        self.controllers = controllers
        self.enabled = enabled
        self.writable = writable
    }
}

/// What the plan knows about cgroups, read only when a transient cgroup may be made.
public struct CgroupFacts: Equatable, Sendable {
    /// The cgroup2 hierarchy, or nil when none is mounted.
    public var v2: CgroupHierarchy?
    /// The v1 hierarchies with memory, pids or cpu (hybrid and legacy hosts), and those --cgroup-parent names.
    public var v1: [CgroupHierarchy]

    public init(v2: CgroupHierarchy?, v1: [CgroupHierarchy] = []) {
        self.v2 = v2
        self.v1 = v1
    }
}
