/// --setgroups.
public enum SetgroupsPolicy: String, CaseIterable, Sendable {
    case allow, deny
}

/// The caller's own ID mapped to one inside ID, and the option that asked for it.
public struct SingleMapping: Equatable, Sendable {
    public var id: UInt32
    public var option: String

    public init(_ id: UInt32, option: String) {
        self.id = id
        self.option = option
    }
}

/// What the --map-* and --setgroups options ask for, before anything is read from the system.
public struct UserMapRequest: Equatable, Sendable {
    public var user: SingleMapping?
    public var group: SingleMapping?
    public var userRanges: [IDRangeSource] = []
    public var groupRanges: [IDRangeSource] = []
    public var setgroups: SetgroupsPolicy?

    public init() {}

    /// Asks for a map (and so a user namespace); --setgroups alone does not.
    public var mapsIDs: Bool { user != nil || group != nil || !userRanges.isEmpty || !groupRanges.isEmpty }

    /// As util-linux: a single group mapping without group ranges is written by the caller
    /// itself, which the kernel allows an unprivileged caller only with setgroups denied.
    public var impliesDeny: Bool { group != nil && groupRanges.isEmpty }

    /// The maps, resolved and checked, or a usage error (64) for bad values and a set-up
    /// error (125) when the system has no subordinate IDs to give.
    public func resolve(_ sources: IDSources) throws -> UserNamespaceSetup {
        if setgroups == .allow, impliesDeny, let group {
            throw SwcloneError.usage("--setgroups allow: conflicts with \(group.option), which implies --setgroups deny")
        }
        return UserNamespaceSetup(
            uidMap: try resolveIDMap(.user, single: user?.id, ranges: userRanges, sources: sources),
            gidMap: try resolveIDMap(.group, single: group?.id, ranges: groupRanges, sources: sources),
            denySetgroups: setgroups.map { $0 == .deny } ?? (impliesDeny ? true : nil))
    }
}
