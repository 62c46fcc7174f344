import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// What the launch plan needs to know about swclone's own process, read once
/// before anything is decided (CloneCore reads it; tests give their own).
public struct ProcessFacts: Equatable, Sendable {
    public var pid: pid_t
    /// Effective IDs: what a single mapping maps, what the kernel checks.
    public var uid: uid_t
    public var gid: gid_t
    public var effective: CapabilitySet
    public var permitted: CapabilitySet
    /// Every capability the running kernel knows.
    public var known: CapabilitySet
    /// The terminal on standard input, when swclone runs in its foreground.
    public var foregroundTerminal: Int32?
    /// /proc/sys/kernel/pid_max and the PID namespace levels, read for --set-tid only.
    public var pidMax: Int
    public var pidLevels: PIDNamespaceLevels?
    /// /proc belongs to swclone's own PID namespace: /proc/PID and /proc/self name the right processes.
    public var procIsOurs: Bool
    /// swclone leads its process group, where setsid(2) fails (every command an interactive shell starts).
    public var leadsProcessGroup: Bool
    /// Read only when the launch may make a transient cgroup (`Limits.wantsCgroup`).
    public var cgroups: CgroupFacts?
    /// Read for a filesystem view: the working directory and $HOME (where the program starts
    /// inside the view when none is given), and, for --landlock, the kernel's Landlock ABI (nil:
    /// none) and whether this caller may create a user namespace (the sysctls allow it).
    public var workingDirectory: String?
    public var home: String?
    public var landlockABI: Int?
    public var userNamespacesAllowed = true
    /// The kernel has cgroup namespaces (read for --unshare-cgroup-try).
    public var cgroupNamespaces = true

    public init(
        pid: pid_t, uid: uid_t, gid: gid_t, effective: CapabilitySet, permitted: CapabilitySet,
        known: CapabilitySet, foregroundTerminal: Int32? = nil, pidMax: Int = 4_194_304,
        pidLevels: PIDNamespaceLevels? = nil, procIsOurs: Bool = true, leadsProcessGroup: Bool = false
    ) {
        self.procIsOurs = procIsOurs
        self.leadsProcessGroup = leadsProcessGroup
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.effective = effective
        self.permitted = permitted
        self.known = known
        self.foregroundTerminal = foregroundTerminal
        self.pidMax = pidMax
        self.pidLevels = pidLevels
    }
}

/// What `swclone enter` reads about its target before joining anything,
/// while /proc and paths still mean what they mean to the caller.
public struct TargetFacts: Equatable, Sendable {
    /// Namespaces the caller already has in common with the target (--all skips them).
    public var shared: Set<Namespace> = []
    /// The owner of /proc/PID, for --setuid follow and --setgid follow.
    public var ownerUID: uid_t?
    public var ownerGID: gid_t?
    /// /proc/PID/environ, for --env.
    public var environment: [String]?
    /// The target's cgroup v2 directory, for --join-cgroup.
    public var cgroupDirectory: String?
    /// The target's SELinux context, for --follow-context.
    public var selinuxContext: String?

    public init(
        shared: Set<Namespace> = [], ownerUID: uid_t? = nil, ownerGID: gid_t? = nil,
        environment: [String]? = nil, cgroupDirectory: String? = nil
    ) {
        self.shared = shared
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.environment = environment
        self.cgroupDirectory = cgroupDirectory
    }
}
