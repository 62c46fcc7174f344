import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// What joining left for the launch: the target's cgroup for clone3, and
/// whether supplementary groups are already gone.
struct JoinOutcome {
    /// The target's cgroup v2 directory (O_PATH) for CLONE_INTO_CGROUP, or -1.
    var cgroupFD: Int32 = -1
    /// swclone has no supplementary groups: a refused setgroups(2) in the
    /// joined user namespace loses nothing.
    var groupsDropped = false
    /// -S/-G follow: the target's owner as the joined user namespace maps it (an unmapped one
    /// reads as the overflow ID), which is what the program gets, as with nsenter.
    var ownerUID: uid_t?
    var ownerGID: gid_t?
}

/// `swclone enter`, done as nsenter(1) does it, in swclone before the
/// program exists: namespace files, root and working directory are opened
/// in the caller's namespaces, then the namespaces are joined, then root and
/// working directory changed. The child inherits it all; so does the program
/// in place. swclone stays single-threaded (setns into a time or user
/// namespace refuses a threaded process).
enum NamespaceJoiner {
    static func join(_ plan: JoinPlan, target: TargetProcess, cgroup: CgroupChoice?) throws -> JoinOutcome {
        var outcome = JoinOutcome()
        // -S/-G follow, as nsenter: /proc/PID opened now, its owner read once the user namespace is joined.
        var ownerFD: Int32 = -1
        if target.facts.ownerUID != nil {
            ownerFD = sw_open_directory_path("/proc/\(target.pid)")
            guard ownerFD >= 0 else {
                throw SwcloneError.setup("--target \(target.pid): cannot open /proc/\(target.pid): \(errnoText(errno))")
            }
        }
        defer { if ownerFD >= 0 { close(ownerFD) } }
        var files = try openNamespaceFiles(plan.files)
        defer { for (_, fd) in files { close(fd) } }
        var paths = plan.files
        if let socket = plan.netSocket {
            files.append((.net, try socketNetworkNamespace(socket, target: target)))
            paths[.net] = "--net-socket \(socket)"
        }
        if plan.userParent {
            try parentUserNamespace(in: &files, target: target)
            paths[.user] = "--user-parent"
        }
        if let context = target.facts.selinuxContext {
            // nsenter's setexeccon: the exec context is inherited by the child and applied at its exec.
            let fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC)
            let written = fd >= 0 && context.withCString { write(fd, $0, strlen($0)) } == context.utf8.count
            let err = errno
            if fd >= 0 { close(fd) }
            guard written else {
                throw SwcloneError.setup("--follow-context: cannot set the exec context '\(context)': \(errnoText(err))")
            }
        }
        if case .target(let dir) = cgroup {
            outcome.cgroupFD = sw_open_directory_path(dir)
            guard outcome.cgroupFD >= 0 else { throw SwcloneError.setup("--join-cgroup: \(dir): \(errnoText(errno))") }
        }
        let rootFD = try plan.root.map { try openDirectory($0, target: target.pid, kind: "root", option: "--root") }
        defer { if let rootFD { close(rootFD) } }
        let wdFD = try plan.workingDirectory.map { try openDirectory($0, target: target.pid, kind: "cwd", option: "--wd") }
        defer { if let wdFD { close(wdFD) } }

        if plan.dropsCredentials {
            _ = setgroups(0, nil)
            outcome.groupsDropped = getgroups(0, nil) == 0
        }
        if !plan.fromTarget.isEmpty {
            guard sw_setns(target.pidfd, Int32(truncatingIfNeeded: cloneFlags(plan.fromTarget))) == 0 else {
                throw targetJoinFailure(errno, plan.fromTarget, target: target.pid)
            }
        }
        try joinFiles(files, paths: paths)
        if ownerFD >= 0 {
            var st = stat()
            guard fstat(ownerFD, &st) == 0 else {
                throw SwcloneError.setup("--target \(target.pid): cannot read the owner of /proc/\(target.pid): \(errnoText(errno))")
            }
            outcome.ownerUID = st.st_uid
            outcome.ownerGID = st.st_gid
        }
        try changeDirectories(plan, rootFD: rootFD, wdFD: wdFD)
        return outcome
    }

    /// -N: the target's descriptor, copied (pidfd_getfd: the caller may ptrace the target), and its socket's namespace.
    private static func socketNetworkNamespace(_ socket: Int32, target: TargetProcess) throws -> Int32 {
        let option = "--net-socket \(socket)"
        let copy = sw_pidfd_getfd(target.pidfd, socket)
        guard copy >= 0 else {
            let err = errno
            let why =
                err == EBADF
                ? "process \(target.pid) has no descriptor \(socket)"
                : "cannot take descriptor \(socket) of process \(target.pid) (pidfd_getfd needs the right to ptrace it)"
            throw SwcloneError.setup("\(option): \(why): \(errnoText(err))")
        }
        defer { close(copy) }
        let ns = sw_socket_network_namespace(copy)
        guard ns >= 0 else {
            throw SwcloneError.setup("\(option): descriptor \(socket) of process \(target.pid) is not a socket: \(errnoText(errno))")
        }
        return ns
    }

    /// --user-parent: the named user namespace (--user=FILE's, else the target's) replaced by its parent,
    /// unless that parent is swclone's own: nothing is left to join there.
    private static func parentUserNamespace(in files: inout [(Namespace, Int32)], target: TargetProcess) throws {
        var child: Int32
        if let index = files.firstIndex(where: { $0.0 == .user }) {
            child = files.remove(at: index).1
        } else {
            child = open("/proc/\(target.pid)/ns/user", O_RDONLY | O_CLOEXEC)
            guard child >= 0 else {
                throw SwcloneError.setup("--user-parent: cannot open /proc/\(target.pid)/ns/user: \(errnoText(errno))")
            }
            if TargetProcess.hasExited(target.pidfd) {
                close(child)
                throw targetGone(target.pid)
            }
        }
        defer { close(child) }
        let parent = sw_namespace_owner(child)
        guard parent >= 0 else {
            let why =
                errno == EPERM
                ? "that user namespace has no parent swclone may see (it is the initial one, or swclone's own)" : "cannot open its parent"
            throw SwcloneError.setup("--user-parent: \(why): \(errnoText(errno))")
        }
        var mine = stat(), theirs = stat()
        if stat("/proc/self/ns/user", &mine) == 0, fstat(parent, &theirs) == 0, mine.st_ino == theirs.st_ino,
            mine.st_dev == theirs.st_dev
        {
            close(parent)
            return
        }
        files.append((.user, parent))
    }

    static func targetGone(_ target: pid_t) -> SwcloneError {
        .setup("--target \(target): the process exited before its namespaces could be joined: \(errnoText(ESRCH))")
    }

    /// Each FILE must be a namespace of its option's type.
    private static func openNamespaceFiles(_ paths: [Namespace: String]) throws -> [(Namespace, Int32)] {
        var files: [(Namespace, Int32)] = []
        do {
            for (ns, path) in paths.sorted(by: { $0.key < $1.key }) {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SwcloneError.setup("\(ns.option)=\(path): \(errnoText(errno))") }
                files.append((ns, fd))
                let type = sw_namespace_type(fd)
                guard type >= 0 else {
                    throw SwcloneError.setup("\(ns.option)=\(path): not a namespace file: \(errnoText(errno))")
                }
                guard UInt64(type) == cloneFlags([ns]) else {
                    let actual = Namespace.allCases.first { cloneFlags([$0]) == UInt64(type) }?.rawValue ?? "other"
                    throw SwcloneError.setup("\(ns.option)=\(path): a \(actual) namespace, not a \(ns.rawValue) one")
                }
            }
        } catch {
            for (_, fd) in files { close(fd) }
            throw error
        }
        return files
    }

    /// nsenter's two passes: the user namespace comes first when it grants
    /// the right to join the others, last when it takes rights away.
    private static func joinFiles(_ files: [(Namespace, Int32)], paths: [Namespace: String]) throws {
        var pending = files
        pending.removeAll { ns, fd in ns != .user && sw_setns(fd, Int32(truncatingIfNeeded: cloneFlags([ns]))) == 0 }
        for (ns, fd) in pending.filter({ $0.0 == .user }) + pending.filter({ $0.0 != .user }) {
            guard sw_setns(fd, Int32(truncatingIfNeeded: cloneFlags([ns]))) == 0 else {
                throw SwcloneError.setup("\(ns.option)=\(paths[ns] ?? ""): cannot join the namespace: \(errnoText(errno))")
            }
        }
    }

    private static func targetJoinFailure(_ err: Int32, _ namespaces: Set<Namespace>, target: pid_t) -> SwcloneError {
        if err == ESRCH { return targetGone(target) }
        let option = "--target \(target)"
        if err == EINVAL, namespaces.contains(.user), (try? TargetProcess.sharesNamespace(.user, with: target)) == true {
            return .setup("\(option): cannot join its user namespace: it is already yours (\(errnoText(err))); --all skips it")
        }
        return .setup("\(option): cannot join its namespaces (\(names(namespaces))): \(errnoText(err))")
    }

    /// -r / -w: opened now, in the caller's namespaces ("a tunnel", says nsenter(1)).
    private static func openDirectory(_ choice: DirectoryChoice, target: pid_t, kind: String, option: String) throws -> Int32 {
        let path: String
        switch choice {
        case .target: path = "/proc/\(target)/\(kind)"
        case .path(let dir): path = dir
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwcloneError.setup("\(option) \(path): \(errnoText(errno))") }
        return fd
    }

    /// chroot to -r, then the working directory: -W (looked up inside), -w,
    /// or, when only the root changed, the one swclone had.
    private static func changeDirectories(_ plan: JoinPlan, rootFD: Int32?, wdFD: Int32?) throws {
        var keptFD: Int32 = -1
        defer { if keptFD >= 0 { close(keptFD) } }
        if let rootFD {
            if wdFD == nil && plan.workingDirectoryInNamespace == nil { keptFD = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            guard fchdir(rootFD) == 0, chroot(".") == 0, chdir("/") == 0 else {
                throw SwcloneError.setup("--root: cannot change root: \(errnoText(errno))")
            }
        }
        if let dir = plan.workingDirectoryInNamespace {
            guard chdir(dir) == 0 else { throw SwcloneError.setup("--wdns \(dir): \(errnoText(errno))") }
        } else if let fd = wdFD ?? (keptFD >= 0 ? keptFD : nil) {
            guard fchdir(fd) == 0 else { throw SwcloneError.setup("--wd: cannot change directory: \(errnoText(errno))") }
        }
    }
}
