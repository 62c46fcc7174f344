#if canImport(Glibc)
import Glibc
#endif

/// One launch as the command line asks for it, validated: plain values, with
/// the implications the contract names between options (--hostname means
/// --uts, --mount-proc means --mount...) applied. How it is carried out
/// (a child or in place, who writes the maps...) is the launch plan's.
public struct LaunchSpec: Equatable, Sendable {
    /// Namespaces the program gets new.
    public var namespaces: Set<Namespace> = []
    /// --fork: run the program in a child even when nothing else needs one.
    public var forkRequested = false
    /// Files to bind-mount the new namespaces on (`--uts=FILE`), so they outlive the program.
    public var namespaceFiles: [Namespace: String] = [:]
    /// `swclone enter`: namespaces to join before the program is created.
    public var join: NamespaceJoin?

    /// --kill-child: the signal the program gets when swclone dies.
    public var killChildSignal: Int32?
    /// --init: PID 1 of the new PID namespace is swclone's minimal init; the program is PID 2.
    public var runsInit = false

    public var hostname: String?
    /// Offsets of the new time namespace, in seconds.
    public var monotonicOffset: Int64?
    public var boottimeOffset: Int64?

    /// Propagation of `/` in the new mount namespace; nil leaves it unchanged.
    public var rootPropagation: Propagation? = .private
    /// Where to mount a new proc filesystem, if anywhere.
    public var procMountPoint: String?
    public var root: String?
    public var workingDirectory: String?
    /// The option that gave it (--wd, or bubblewrap's --chdir), for error lines.
    public var workingDirectoryOption = "--wd"
    /// bubblewrap's filesystem view: a new root built from operations in order.
    public var view = FilesystemView()
    /// bubblewrap's options beyond the view, and whether its defaults apply.
    public var bwrap = BubblewrapSettings()
    /// Lines for stderr that do not stop the launch (bubblewrap's "only the last --chdir...").
    public var warnings: [String] = []

    /// clone3's set_tid: the child's PID in each namespace, innermost first (--set-tid).
    public var setTID: [pid_t] = []
    /// The cgroup v2 directory the child starts in (--into-cgroup).
    public var intoCgroup: String?
    /// Where bubblewrap-style JSON status lines go (--json-status).
    public var jsonStatusFD: Int32?
    /// --timeout, --kill-tree, the transient cgroup's limits and --rlimit; nil when none is given.
    public var limits: Limits?

    public var userNamespace: UserNamespaceSetup?
    /// unshare's --owner: the IDs swclone takes to create the user namespace, which is then theirs.
    public var owner: NamespaceOwner?
    public var uid: uid_t?
    public var gid: gid_t?

    /// --cap-drop / --cap-add / --keep-caps; nil leaves the capability sets to the kernel.
    public var capabilities: CapabilityRequest?
    /// PR_SET_NO_NEW_PRIVS before exec.
    public var noNewPrivileges = false
    /// setsid() before exec: no controlling terminal to push input into.
    public var newSession = false
    /// --seccomp-default: swclone's own filter (the manual's SECCOMP section), built at launch.
    public var seccompDefault = false
    /// --seccomp / --add-seccomp-fd: the caller's filters, in command-line order.
    public var seccompDescriptors: [SeccompDescriptor] = []

    /// The program's argv; argv[0] is what is searched for.
    public var argv: [String]
    /// The paths tried in turn, as execvp would.
    public var executableCandidates: [String]
    /// KEY=VALUE strings of the program's environment; nil: swclone's own, unchanged.
    public var environment: [String]?
    /// No program was given: the shell (`loginShell`) runs instead, as a login shell.
    public var runsShell = false

    public init(argv: [String], executableCandidates: [String], environment: [String]?) {
        self.argv = argv
        self.executableCandidates = executableCandidates
        self.environment = environment
    }

    /// The contents of /proc/PID/timens_offsets, if a time namespace is new.
    public var timeOffsetsText: String? {
        var text = ""
        if let s = monotonicOffset { text += "monotonic \(s) 0\n" }
        if let s = boottimeOffset { text += "boottime \(s) 0\n" }
        return text.isEmpty ? nil : text
    }
}

/// --propagation.
public enum Propagation: String, CaseIterable, Sendable {
    case `private`, shared, slave
}

/// The user and group a new user namespace belongs to (--owner UID:GID).
public struct NamespaceOwner: Equatable, Sendable {
    public var uid: uid_t
    public var gid: gid_t

    public init(uid: uid_t, gid: gid_t) {
        self.uid = uid
        self.gid = gid
    }
}
