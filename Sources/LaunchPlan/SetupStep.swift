import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// One operation between the new namespaces and exec, run in the child (or
/// by swclone itself, in place) in the order the plan lists them. CloneCore
/// turns each into a C `sw_op` and each failure back into a line.
public enum SetupStep: Equatable, Sendable {
    /// Enter this transient cgroup v1 directory: write "0" to its `tasks`. The child does it
    /// itself, first: a process moving only itself skips the kernel's global lock on thread
    /// groups (cgroup_threadgroup_rwsem), whose write side waits for an RCU grace period
    /// (10-15 ms measured) when the parent moves it by PID through cgroup.procs; it is still
    /// one thread, and its paths still mean what they mean to swclone. Its new user namespace
    /// changes nothing: the file is checked against the same UID that made the directory.
    case joinCgroup(String)
    /// Wait until the parent has written the ID maps (and read the namespaces for --json-status).
    case waitForParent
    /// The ID maps were written from outside with `--setgroups allow`: check newgidmap left it so.
    case checkSetgroupsAllowed
    /// Write the new user namespace's own setgroups, uid_map or gid_map.
    case writeOwnMap(OwnMapFile, String)
    /// Create a time namespace, set its offsets, enter it.
    case newTimeNamespace(offsets: String?)
    /// Tell whoever keeps namespaces in files that they exist, and wait until it has.
    case keepNamespaces
    case hostname(String)
    case loopbackUp
    /// The propagation of `/`, recursively.
    case propagation(Propagation)
    /// Make a mount point recursively private, so a mount on it stays in this namespace.
    case makePrivate(String)
    case chroot(String)
    /// `option` is what asked for the directory (`--wd`, or `--root`'s `/`).
    case chdir(String, option: String)
    case mountProc(String)
    /// --rlimit: setrlimit in the child, so the limit binds the program and not swclone.
    case resourceLimit(ResourceLimit)
    case identity(Identity)
    case capabilities(ResolvedCapabilities, known: CapabilitySet)
    case noNewPrivileges
    case newSession
    /// --kill-child: the program gets `signal` when swclone dies.
    case parentDeath(signal: Int32)
    /// Lead a process group in the terminal's foreground, as a shell's job.
    case takeTerminal
    /// Lead a process group, which --timeout kills whole where no cgroup can be made.
    case newProcessGroup
}

/// The files of /proc/self a process writes for its own new user namespace.
public enum OwnMapFile: String, Equatable, Sendable {
    case setgroups, uidMap = "uid_map", gidMap = "gid_map"
}

/// The program's IDs inside its namespaces.
public struct Identity: Equatable, Sendable {
    public var uid: uid_t?
    public var gid: gid_t?
    /// setgroups(2) is refused there (or the groups are already gone): keeping them is no failure.
    public var groupsDenied: Bool
    /// PR_SET_KEEPCAPS first: a capability step follows the change of UID.
    public var keepCapabilities: Bool

    public init(uid: uid_t?, gid: gid_t?, groupsDenied: Bool, keepCapabilities: Bool) {
        self.uid = uid
        self.gid = gid
        self.groupsDenied = groupsDenied
        self.keepCapabilities = keepCapabilities
    }
}
