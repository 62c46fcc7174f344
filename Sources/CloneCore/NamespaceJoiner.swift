import CShim
import Glibc
import LaunchSpec

/// What joining left for the launch: the target's cgroup for clone3, and
/// whether supplementary groups are already gone.
struct JoinResult {
    var joined: Set<Namespace> = []
    /// The target's cgroup v2 directory (O_PATH) for CLONE_INTO_CGROUP, or -1.
    var cgroupFD: Int32 = -1
    var cgroupPath = ""
    /// The launcher has no supplementary groups: a refused setgroups(2) in
    /// the joined user namespace loses nothing.
    var groupsDropped = false
}

/// `swclone enter`, done as nsenter(1) does it, in the launcher before the
/// program exists: everything read from the target (/proc/PID/root, cwd,
/// environ, cgroup) is read before joining, then the namespaces are joined,
/// then root and working directory are changed. The clone3 child inherits
/// it all; so does the program in place. The launcher stays single-threaded
/// (setns into a time or user namespace refuses a threaded process).
enum NamespaceJoiner {
    static func enter(_ join: NamespaceJoin, spec: inout LaunchSpec) throws -> JoinResult {
        var result = JoinResult()
        let target = join.target ?? 0
        let targetOption = "--target \(target)"
        var pidfd: Int32 = -1
        if join.target != nil {
            pidfd = sw_pidfd_open(target, 0)
            guard pidfd >= 0 else { throw SwcloneError.setup("\(targetOption): \(errnoText(errno))") }
        }
        defer { if pidfd >= 0 { close(pidfd) } }

        let files = try openNamespaceFiles(join.files)
        defer { for (_, fd) in files { close(fd) } }

        var fromTarget = join.fromTarget
        if join.all {
            do {
                for ns in Namespace.allCases where join.files[ns] == nil && !fromTarget.contains(ns) {
                    if try !sharesNamespace(ns, with: target) { fromTarget.insert(ns) }
                }
            } catch {
                throw hasExited(pidfd) ? targetJoinFailure(ESRCH, [], target: target) : error
            }
        }
        result.joined = fromTarget.union(join.files.keys)

        // Read from the target before its mount namespace changes what /proc and paths mean.
        if join.followUID || join.followGID {
            var st = stat()
            guard stat("/proc/\(target)", &st) == 0 else {
                throw SwcloneError.setup("\(targetOption): cannot read the owner of /proc/\(target): \(errnoText(errno))")
            }
            if join.followUID { spec.uid = st.st_uid }
            if join.followGID { spec.gid = st.st_gid }
        }
        if join.targetEnvironment {
            guard let bytes = readFileBytes("/proc/\(target)/environ") else {
                throw SwcloneError.setup("--env: cannot read /proc/\(target)/environ: \(errnoText(errno))")
            }
            let environment = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            spec.environment = environment
            let path = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            spec.executableCandidates = executableCandidates(for: spec.argv[0], searchPath: path)
        }
        if join.joinCgroup {
            (result.cgroupFD, result.cgroupPath) = try openCgroup(of: target)
        }
        let rootFD = try join.root.map { try openDirectory($0, target: target, kind: "root", option: "--root") }
        defer { if let rootFD { close(rootFD) } }
        let wdFD = try join.workingDirectory.map { try openDirectory($0, target: target, kind: "cwd", option: "--wd") }
        defer { if let wdFD { close(wdFD) } }

        // nsenter's credentials: a joined user namespace means UID and GID 0 and no groups.
        if result.joined.contains(.user) && !join.preserveCredentials {
            _ = setgroups(0, nil)
            result.groupsDropped = getgroups(0, nil) == 0
            spec.uid = spec.uid ?? 0
            spec.gid = spec.gid ?? 0
        }

        if !fromTarget.isEmpty {
            guard sw_setns(pidfd, Int32(truncatingIfNeeded: cloneFlags(fromTarget))) == 0 else {
                throw targetJoinFailure(errno, fromTarget, target: target)
            }
        }
        try joinFiles(files, paths: join.files)

        try changeDirectories(join, rootFD: rootFD, wdFD: wdFD)
        if !join.noFork && (result.joined.contains(.pid) || join.joinCgroup) { spec.fork = true }
        return result
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
        let option = "--target \(target)"
        if err == ESRCH {
            return .setup("\(option): the process exited before its namespaces could be joined: \(errnoText(err))")
        }
        if err == EINVAL, namespaces.contains(.user), (try? sharesNamespace(.user, with: target)) == true {
            return .setup("\(option): cannot join its user namespace: it is already yours (\(errnoText(err))); --all skips it")
        }
        return .setup("\(option): cannot join its namespaces (\(names(namespaces))): \(errnoText(err))")
    }

    /// A pidfd polls readable once its process has exited (a zombie has no namespaces left).
    private static func hasExited(_ pidfd: Int32) -> Bool {
        var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// Same namespace: same inode on the nsfs filesystem. A PID or time
    /// namespace is compared with the one the caller's children would get.
    static func sharesNamespace(_ ns: Namespace, with target: pid_t) throws -> Bool {
        let mine = ns == .pid || ns == .time ? "\(ns.rawValue)_for_children" : ns.procName
        var me = stat(), them = stat()
        guard stat("/proc/self/ns/\(mine)", &me) == 0 else { return true }   // a kind this kernel lacks
        guard stat("/proc/\(target)/ns/\(ns.procName)", &them) == 0 else {
            throw SwcloneError.setup("--target \(target): cannot read /proc/\(target)/ns/\(ns.procName): \(errnoText(errno))")
        }
        return me.st_dev == them.st_dev && me.st_ino == them.st_ino
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
    private static func changeDirectories(_ join: NamespaceJoin, rootFD: Int32?, wdFD: Int32?) throws {
        var keptFD: Int32 = -1
        defer { if keptFD >= 0 { close(keptFD) } }
        if let rootFD {
            if wdFD == nil && join.workingDirectoryInNamespace == nil { keptFD = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            guard fchdir(rootFD) == 0, chroot(".") == 0, chdir("/") == 0 else {
                throw SwcloneError.setup("--root: cannot change root: \(errnoText(errno))")
            }
        }
        if let dir = join.workingDirectoryInNamespace {
            guard chdir(dir) == 0 else { throw SwcloneError.setup("--wdns \(dir): \(errnoText(errno))") }
        } else if let fd = wdFD ?? (keptFD >= 0 ? keptFD : nil) {
            guard fchdir(fd) == 0 else { throw SwcloneError.setup("--wd: cannot change directory: \(errnoText(errno))") }
        }
    }

    /// The target's cgroup v2 directory, found through the cgroup2 mount of
    /// this mount namespace (never an assumed path), opened before joining.
    private static func openCgroup(of target: pid_t) throws -> (Int32, String) {
        guard let bytes = readFileBytes("/proc/\(target)/cgroup") else {
            throw SwcloneError.setup("--join-cgroup: cannot read /proc/\(target)/cgroup: \(errnoText(errno))")
        }
        guard let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            throw SwcloneError.setup("--join-cgroup: process \(target) is in no cgroup v2 hierarchy")
        }
        let cgroup = String(line.dropFirst(3))
        guard let mount = MountInfoLine.all().last(where: { $0.fsType == "cgroup2" }) else {
            throw SwcloneError.setup("--join-cgroup: no cgroup2 filesystem is mounted")
        }
        let root = mount.root == "/" ? "" : mount.root
        guard cgroup == root || cgroup.hasPrefix(root + "/") || root.isEmpty else {
            throw SwcloneError.setup("--join-cgroup: cgroup \(cgroup) is outside the cgroup2 mount on \(mount.mountPoint)")
        }
        let relative = cgroup.dropFirst(root.count)
        let dir = mount.mountPoint + (relative == "/" ? "" : relative)
        let fd = open(dir, SW_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SwcloneError.setup("--join-cgroup: \(dir): \(errnoText(errno))") }
        return (fd, dir)
    }
}
