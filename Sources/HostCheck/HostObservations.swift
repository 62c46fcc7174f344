import LaunchPlan
import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// Everything `swclone --check` saw, as plain values: HostObserver reads
/// them from this host, tests give their own, and HostReport turns them into
/// the report (what works, what does not, and the fix).
public struct HostObservations: Equatable, Sendable {
    public var uid: uid_t
    public var gid: gid_t
    /// The caller's user name, when the user database has it.
    public var userName: String?
    public var kernelRelease: String
    public var settings: HostSettings
    /// Each namespace type this kernel has (a /proc/self/ns file), and what creating one gave.
    public var namespaces: [Namespace: NamespaceProbe]
    /// An unprivileged user (the caller, or nobody when the caller is privileged) making a user
    /// namespace as -r does: the namespace, its maps, a mount namespace inside.
    public var unprivilegedUserNamespace: ProbeOutcome
    /// The UID the probe above ran as.
    public var unprivilegedUID: uid_t
    public var subordinateIDs: SubordinateIDs
    /// 0 when clone3 is there, else the errno it gets.
    public var clone3Refusal: Int32
    public var cgroup: CgroupObservation
    /// Landlock's ABI version, or the errno of asking for it.
    public var landlock: Result<Int, ProbeError>
    public var seccomp: SeccompObservation

    public init(
        uid: uid_t, gid: gid_t, userName: String?, kernelRelease: String, settings: HostSettings,
        namespaces: [Namespace: NamespaceProbe], unprivilegedUserNamespace: ProbeOutcome, unprivilegedUID: uid_t,
        subordinateIDs: SubordinateIDs, clone3Refusal: Int32, cgroup: CgroupObservation,
        landlock: Result<Int, ProbeError>, seccomp: SeccompObservation
    ) {
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.kernelRelease = kernelRelease
        self.settings = settings
        self.namespaces = namespaces
        self.unprivilegedUserNamespace = unprivilegedUserNamespace
        self.unprivilegedUID = unprivilegedUID
        self.subordinateIDs = subordinateIDs
        self.clone3Refusal = clone3Refusal
        self.cgroup = cgroup
        self.landlock = landlock
        self.seccomp = seccomp
    }
}

/// An errno, as an Error.
public struct ProbeError: Error, Equatable, Sendable {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
}

/// How far a probe child got: everything (`.none` and 0), or the step the kernel refused and its errno.
public struct ProbeOutcome: Equatable, Sendable {
    public enum Stage: Equatable, Sendable {
        case none, identity, unshare, setgroups, uidMap, gidMap, inner
    }

    public var stage: Stage
    public var err: Int32

    public init(stage: Stage = .none, err: Int32 = 0) {
        self.stage = stage
        self.err = err
    }

    public static let ok = ProbeOutcome()
    public var succeeded: Bool { err == 0 }
}

/// Creating one namespace type: directly, and (for any type but user) inside a new user namespace.
public struct NamespaceProbe: Equatable, Sendable {
    public var direct: ProbeOutcome
    /// nil when not tried: the direct way worked, or the type is user.
    public var inUserNamespace: ProbeOutcome?

    public init(direct: ProbeOutcome, inUserNamespace: ProbeOutcome? = nil) {
        self.direct = direct
        self.inUserNamespace = inUserNamespace
    }
}

/// The caller's subordinate IDs and the helpers that map them.
public struct SubordinateIDs: Equatable, Sendable {
    /// The caller's first block, nil when it has none; the errno when the file cannot be read.
    public var subuid: Result<SubordinateBlock?, ProbeError>
    public var subgid: Result<SubordinateBlock?, ProbeError>
    public var newuidmap: HelperProgram?
    public var newgidmap: HelperProgram?

    public init(
        subuid: Result<SubordinateBlock?, ProbeError>, subgid: Result<SubordinateBlock?, ProbeError>,
        newuidmap: HelperProgram?, newgidmap: HelperProgram?
    ) {
        self.subuid = subuid
        self.subgid = subgid
        self.newuidmap = newuidmap
        self.newgidmap = newgidmap
    }
}

/// newuidmap or newgidmap as found in PATH: it works only set-user-ID root or with file capabilities.
public struct HelperProgram: Equatable, Sendable {
    public var path: String
    public var privileged: Bool

    public init(path: String, privileged: Bool) {
        self.path = path
        self.privileged = privileged
    }
}

/// cgroup v2 as the caller sees it.
public struct CgroupObservation: Equatable, Sendable {
    /// Where cgroup2 is mounted (nil: nowhere).
    public var mountPoint: String?
    /// The caller's cgroup ("0::" in /proc/self/cgroup) and its directory under the mount.
    public var cgroup: String?
    public var directory: String?
    /// The caller may make a cgroup below its own (write access to the directory).
    public var writable: Bool
    /// cgroup.controllers and cgroup.subtree_control of the caller's cgroup.
    public var controllers: [String]
    public var subtreeControl: [String]
    /// Controllers in cgroup v1 hierarchies (a hybrid host), from /proc/cgroups.
    public var v1Controllers: [String]

    public init(
        mountPoint: String?, cgroup: String?, directory: String?, writable: Bool, controllers: [String],
        subtreeControl: [String], v1Controllers: [String]
    ) {
        self.mountPoint = mountPoint
        self.cgroup = cgroup
        self.directory = directory
        self.writable = writable
        self.controllers = controllers
        self.subtreeControl = subtreeControl
        self.v1Controllers = v1Controllers
    }
}

/// seccomp: whether the kernel filters, and the filters already on swclone.
public struct SeccompObservation: Equatable, Sendable {
    /// /proc/sys/kernel/seccomp/actions_avail, nil when the kernel has no filters.
    public var actions: [String]?
    /// "Seccomp:" and "Seccomp_filters:" of /proc/self/status.
    public var mode: Int?
    public var filters: Int?

    public init(actions: [String]?, mode: Int?, filters: Int?) {
        self.actions = actions
        self.mode = mode
        self.filters = filters
    }
}
