#if canImport(Glibc)
import Glibc
#endif

/// What `swclone enter` joins, as nsenter(1): namespaces of a target process
/// (through its pidfd, all at once) or bind-mounted namespace files, and the
/// target's root, working directory, environment, credentials and cgroup.
/// The launcher resolves it, in its own process, before the program exists.
public struct NamespaceJoin: Equatable, Sendable {
    /// -t PID.
    public var target: pid_t?
    /// Namespaces joined through the target's pidfd.
    public var fromTarget: Set<Namespace> = []
    /// Namespaces joined through a file (`--uts=FILE`).
    public var files: [Namespace: String] = [:]
    /// --all: also every namespace of the target the caller does not already share.
    public var all = false
    /// -N FD: the network namespace of the target's socket FD, instead of its own.
    public var netSocket: Int32?
    /// --user-parent: the parent of the user namespace named (the target's, or --user=FILE).
    public var userParent = false
    /// -Z: the program runs in the target's SELinux context.
    public var followContext = false

    /// -r / -w: a directory, or nil for the target's own; opened before joining.
    public var root: DirectoryChoice?
    public var workingDirectory: DirectoryChoice?
    /// -W: a directory looked up after joining and after chroot.
    public var workingDirectoryInNamespace: String?

    /// -e: the target's environment instead of the caller's.
    public var targetEnvironment = false
    /// -S / -G follow: the owner of /proc/PID.
    public var followUID = false
    public var followGID = false
    /// Keep the caller's IDs when joining a user namespace (default: 0 and 0, as nsenter).
    public var preserveCredentials = false
    /// -F: exec in place even when joining a PID namespace.
    public var noFork = false
    /// --join-cgroup: start the program in the target's cgroup v2.
    public var joinCgroup = false

    public init() {}
}

/// -r / -w without a directory mean the target's.
public enum DirectoryChoice: Equatable, Sendable {
    case target
    case path(String)
}
