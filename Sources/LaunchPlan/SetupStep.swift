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
    /// The filesystem view: a new root built on a tmpfs over `scratch` of the old root.
    case viewBegin(scratch: String)
    /// One operation of the view; for --proc, `newInstance` when the PID namespace is the program's own.
    case view(ViewOperation, newInstance: Bool)
    /// The new root becomes the root, the old one is detached; the caller's umask again.
    case viewFinish
    /// The first of these directories that exists (bubblewrap's: the caller's, then $HOME, then /);
    /// `setsPWD`: the program's PWD says which, as bubblewrap sets it.
    case chdirFirst([String], setsPWD: Bool)
    /// --lock-file: a read lock on the file, held by the reaper (the child, which never execs) while the sandbox runs.
    case lockFile(String)
    /// --block-fd, --userns-block-fd: wait for a byte (or end-of-file) on the descriptor.
    case waitOnDescriptor(Int32, option: String)
    /// --userns2: switch to this user namespace once the sandbox is set up.
    case joinUserNamespace(Int32)
    /// --pidns FD --unshare-pid: the new PID namespace under FD's, made by the child, whose first
    /// process there goes on with the set-up (the child stays above as a relay).
    case nestPIDNamespace
    /// --disable-userns: this user namespace allows one more (the next step's), so none is left for the program.
    case limitUserNamespaces
    /// --disable-userns: a user namespace under the sandbox's, which cannot raise the limit again.
    case nestUserNamespace(uid: uid_t, gid: gid_t)
    /// --assert-userns-disabled: creating a user namespace must fail.
    case assertUserNamespacesDisabled
    /// --landlock: the grants, as Landlock rules on paths of the final root.
    case landlock(LandlockRules)
    /// A seccomp filter, loaded at the hand-over to the program: the plan puts these last.
    case seccomp(SeccompFilter)
}

/// One seccomp filter of a launch.
public enum SeccompFilter: Equatable, Sendable {
    /// --seccomp-default, built with libseccomp before the child exists. `refusesAttach`: the program
    /// shares the caller's PID namespace, where a PID may name a process outside, so ptrace's attach
    /// requests and the calls with its access check are refused too.
    case standard(refusesAttach: Bool)
    /// --seccomp or --add-seccomp-fd.
    case descriptor(SeccompDescriptor)

    /// The option that asked for it, for error lines.
    public var option: String {
        switch self {
        case .standard: "--seccomp-default"
        case .descriptor(let descriptor): descriptor.option
        }
    }
}

/// Landlock rules: every right the kernel's ABI knows is handled, and each grant keeps some.
public struct LandlockRules: Equatable, Sendable {
    public var handled: LandlockRights
    public var rules: [Rule]

    public init(handled: LandlockRights, rules: [Rule]) {
        self.handled = handled
        self.rules = rules
    }

    public struct Rule: Equatable, Sendable {
        public var path: String
        public var access: LandlockRights

        public init(path: String, access: LandlockRights) {
            self.path = path
            self.access = access
        }
    }
}

/// Landlock's filesystem rights (landlock(7)), bit for bit.
public struct LandlockRights: OptionSet, Equatable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let execute = LandlockRights(rawValue: 1 << 0)
    public static let writeFile = LandlockRights(rawValue: 1 << 1)
    public static let readFile = LandlockRights(rawValue: 1 << 2)
    public static let readDir = LandlockRights(rawValue: 1 << 3)
    /// Removing and making entries of every kind (ABI 1).
    public static let changeTree = LandlockRights(rawValue: 0x1FF0)
    /// Linking or renaming a file to another directory (ABI 2).
    public static let refer = LandlockRights(rawValue: 1 << 13)
    public static let truncate = LandlockRights(rawValue: 1 << 14)
    /// ioctl on device files (ABI 5).
    public static let ioctlDev = LandlockRights(rawValue: 1 << 15)

    /// What ABI `abi` can restrict.
    public static func handled(abi: Int) -> LandlockRights {
        var rights: LandlockRights = [.execute, .writeFile, .readFile, .readDir, .changeTree]
        if abi >= 2 { rights.insert(.refer) }
        if abi >= 3 { rights.insert(.truncate) }
        if abi >= 5 { rights.insert(.ioctlDev) }
        return rights
    }

    public static let readOnly: LandlockRights = [.execute, .readFile, .readDir]
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
