#if canImport(Glibc)
import Glibc
#endif

/// What bubblewrap's vocabulary asks for beyond unshare's, and whether
/// bubblewrap's defaults apply: a command line that is a bwrap one (swclone
/// started as `bwrap`, or using an option only bubblewrap has) gets a mount
/// namespace always, a user namespace when the caller is not privileged,
/// no_new_privs, a reaper as PID 1 of a new PID namespace, no capabilities
/// for a caller that is not root, and bubblewrap's working directory and PWD.
public struct BubblewrapSettings: Equatable, Sendable {
    public var defaults = false
    /// --unshare-user-try, --unshare-cgroup-try: the namespace where the host allows it.
    public var userTry = false
    public var cgroupTry = false
    /// --userns FD, --pidns FD: namespaces to create the sandbox in; --userns2 FD: to switch to after set-up.
    public var userNamespaceFD: Int32?
    public var pidNamespaceFD: Int32?
    public var userNamespace2FD: Int32?
    /// --argv0: the program's argv[0], if not its name.
    public var argv0: String?
    /// --die-with-parent: swclone and the program die with swclone's parent.
    public var dieWithParent = false
    /// --as-pid-1: no reaper; the program is PID 1 of the new PID namespace.
    public var asPID1 = false
    /// --sync-fd: held open by swclone while the sandbox runs.
    public var syncFD: Int32?
    /// --block-fd, --userns-block-fd: the program waits for a byte (or end-of-file) on it.
    public var blockFD: Int32?
    public var userNamespaceBlockFD: Int32?
    /// --info-fd: bubblewrap's first JSON status line, written once the sandbox exists.
    public var infoFD: Int32?
    /// --lock-file: files locked (a read lock) in the view while the sandbox runs.
    public var lockFiles: [String] = []

    public init() {}
}
