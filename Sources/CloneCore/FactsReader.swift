import CShim
import Glibc
import LaunchPlan
import LaunchSpec

extension ProcessFacts {
    /// This process, as the plan for `spec` needs it: a few system calls, and
    /// /proc only for what the spec asks (--set-tid's PID levels and pid_max).
    static func read(for spec: LaunchSpec) throws -> ProcessFacts {
        var effective: UInt64 = 0, permitted: UInt64 = 0
        let processGroup = getpgrp()
        guard sw_capabilities(&effective, &permitted) == 0 else {
            throw SwcloneError.setup("cannot read swclone's capabilities: \(errnoText(errno))")
        }
        var facts = ProcessFacts(
            pid: getpid(), uid: geteuid(), gid: getegid(), effective: CapabilitySet(rawValue: effective),
            permitted: CapabilitySet(rawValue: permitted),
            known: spec.capabilities == nil && !spec.bwrap.defaults ? [] : .all(count: knownCapabilityCount()),
            foregroundTerminal: isatty(0) != 0 && tcgetpgrp(0) == processGroup ? 0 : nil)
        if let limits = spec.limits,
            limits.wantsCgroup(newPIDNamespace: spec.namespaces.contains(.pid), intoCgroup: spec.intoCgroup != nil)
        {
            facts.cgroups = try CgroupFacts.read(parents: limits.cgroupParents, controllers: limits.limitsCgroup)
        }
        facts.procIsOurs = procNamesThisProcess(facts.pid)
        facts.leadsProcessGroup = processGroup == facts.pid
        if spec.view.buildsRoot {
            facts.workingDirectory = currentDirectory()
            facts.home = getenv("HOME").map { String(cString: $0) }
        }
        if spec.view.landlock {
            let abi = sw_landlock_abi()
            facts.landlockABI = abi > 0 ? Int(abi) : nil
        }
        if spec.view.landlock || spec.bwrap.userTry { facts.userNamespacesAllowed = hostAllowsUserNamespaces() }
        if spec.bwrap.cgroupTry { facts.cgroupNamespaces = access("/proc/self/ns/cgroup", F_OK) == 0 }
        if !spec.setTID.isEmpty {
            facts.pidMax = readIntegerFile("/proc/sys/kernel/pid_max") ?? facts.pidMax
            facts.pidLevels = .current()
        }
        return facts
    }
}

private func currentDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    guard getcwd(&buffer, buffer.count) != nil else { return nil }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Whether this kernel has user namespaces and the sysctls allow creating one:
/// user.max_user_namespaces, Debian's kernel.unprivileged_userns_clone and Ubuntu's
/// kernel.apparmor_restrict_unprivileged_userns.
private func hostAllowsUserNamespaces() -> Bool {
    if access("/proc/self/ns/user", F_OK) != 0 { return false }
    if readIntegerFile("/proc/sys/user/max_user_namespaces") == 0 { return false }
    if geteuid() != 0 && readIntegerFile("/proc/sys/kernel/unprivileged_userns_clone") == 0 { return false }
    if geteuid() != 0 && readIntegerFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1 { return false }
    return true
}

/// Whether /proc/self names this process: it does not where /proc was mounted for another
/// PID namespace (or is missing), and /proc/PID paths would then name other processes.
private func procNamesThisProcess(_ pid: pid_t) -> Bool {
    var buffer = [CChar](repeating: 0, count: 16)
    let n = readlink("/proc/self", &buffer, buffer.count - 1)
    guard n > 0 else { return false }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } == String(pid)
}

/// The process `swclone enter` joins: its pidfd, held from before anything
/// is read about it until the join, and what was read.
struct TargetProcess {
    let pid: pid_t
    /// -1 when there is no --target (namespace files only).
    let pidfd: Int32
    let facts: TargetFacts

    static func open(_ join: NamespaceJoin) throws -> TargetProcess {
        guard let pid = join.target else { return TargetProcess(pid: 0, pidfd: -1, facts: TargetFacts()) }
        let option = "--target \(pid)"
        let pidfd = sw_pidfd_open(pid, 0)
        guard pidfd >= 0 else { throw SwcloneError.setup("\(option): \(errnoText(errno))") }
        do {
            var facts = TargetFacts()
            if join.all {
                do {
                    facts.shared = try Set(Namespace.allCases.filter { try sharesNamespace($0, with: pid) })
                } catch {
                    throw hasExited(pidfd) ? NamespaceJoiner.targetGone(pid) : error
                }
            }
            if join.followUID || join.followGID {
                var st = stat()
                guard stat("/proc/\(pid)", &st) == 0 else {
                    throw SwcloneError.setup("\(option): cannot read the owner of /proc/\(pid): \(errnoText(errno))")
                }
                facts.ownerUID = st.st_uid
                facts.ownerGID = st.st_gid
            }
            if join.targetEnvironment {
                guard let bytes = readFileBytes("/proc/\(pid)/environ") else {
                    throw SwcloneError.setup("--env: cannot read /proc/\(pid)/environ: \(errnoText(errno))")
                }
                facts.environment = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            }
            if join.joinCgroup { facts.cgroupDirectory = try cgroupDirectory(of: pid) }
            if join.followContext { facts.selinuxContext = try selinuxContext(of: pid) }
            return TargetProcess(pid: pid, pidfd: pidfd, facts: facts)
        } catch {
            close(pidfd)
            throw error
        }
    }

    /// Same namespace: same inode on the nsfs filesystem. A PID or time
    /// namespace is compared with the one the caller's children would get.
    static func sharesNamespace(_ ns: Namespace, with target: pid_t) throws -> Bool {
        let mine = ns == .pid || ns == .time ? "\(ns.rawValue)_for_children" : ns.procName
        var me = stat(), them = stat()
        guard stat("/proc/self/ns/\(mine)", &me) == 0 else { return true }  // a kind this kernel lacks
        guard stat("/proc/\(target)/ns/\(ns.procName)", &them) == 0 else {
            throw SwcloneError.setup("--target \(target): cannot read /proc/\(target)/ns/\(ns.procName): \(errnoText(errno))")
        }
        return me.st_dev == them.st_dev && me.st_ino == them.st_ino
    }

    /// A pidfd polls readable once its process has exited (a zombie has no namespaces left).
    static func hasExited(_ pidfd: Int32) -> Bool {
        var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// -Z: the target's SELinux context (/proc/PID/attr/current, what getpidcon reads). Where
    /// SELinux is off (no selinuxfs mounted) there is none, and following it cannot be done.
    private static func selinuxContext(of target: pid_t) throws -> String {
        guard MountInfoLine.all().contains(where: { $0.fsType == "selinuxfs" }) else {
            throw SwcloneError.setup(
                "--follow-context: SELinux is not enabled on this host (no selinuxfs is mounted), so process \(target) has no SELinux context to follow"
            )
        }
        guard let bytes = readFileBytes("/proc/\(target)/attr/current") else {
            throw SwcloneError.setup("--follow-context: cannot read the SELinux context of process \(target): \(errnoText(errno))")
        }
        let context = String(decoding: bytes.prefix { $0 != 0 && $0 != 10 }, as: UTF8.self)
        guard !context.isEmpty else { throw SwcloneError.setup("--follow-context: process \(target) has an empty SELinux context") }
        return context
    }

    /// The target's cgroup v2 directory, through the cgroup2 mount of this
    /// mount namespace (never an assumed path).
    private static func cgroupDirectory(of target: pid_t) throws -> String {
        guard let bytes = readFileBytes("/proc/\(target)/cgroup") else {
            throw SwcloneError.setup("--join-cgroup: cannot read /proc/\(target)/cgroup: \(errnoText(errno))")
        }
        guard let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            throw SwcloneError.setup("--join-cgroup: process \(target) is in no cgroup v2 hierarchy")
        }
        let cgroup = String(line.dropFirst(3))
        guard let mount = cgroup2Mount() else { throw SwcloneError.setup("--join-cgroup: no cgroup2 filesystem is mounted") }
        guard let dir = mountedCgroupDirectory(cgroup, in: mount) else {
            throw SwcloneError.setup("--join-cgroup: cgroup \(cgroup) is outside the cgroup2 mount on \(mount.mountPoint)")
        }
        return dir
    }
}
