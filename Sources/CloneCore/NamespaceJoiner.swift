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
        let files = try openNamespaceFiles(plan.files)
        defer { for (_, fd) in files { close(fd) } }
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
        try joinFiles(files, paths: plan.files)
        try changeDirectories(plan, rootFD: rootFD, wdFD: wdFD)
        return outcome
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
