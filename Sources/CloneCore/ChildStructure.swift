import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// What swclone made for one launch that the child's operations use:
/// its ends of the channels, helpers' PIDs, shared memory.
struct ChildResources {
    var errorFD: Int32 = -1
    /// The read end the child waits on for the ID maps (SetupStep.waitForParent).
    var syncFD: Int32 = -1
    /// Where the child announces its namespaces, and where it hears they are kept.
    var keepReadyFD: Int32 = -1
    var keepAnswerFD: Int32 = -1
    /// The keeper's pipe, told "executing" just before the exec (KeptNamespaces.startKeeper).
    var keeperFD: Int32 = -1
    /// swclone's ends of the channels, which the child closes first.
    var parentFDs: [Int32] = []
    /// swclone's own pidfd, for --kill-child.
    var parentPidfd: Int32 = -1
    /// --init's end of its status pipe.
    var initReportsFD: Int32 = -1
    var timeNamespaceSlot: UnsafeMutablePointer<UInt64>?
    /// The mask the program starts with: the caller's, from before swclone blocked what it forwards.
    var signalMask = sigset_t()
    /// In place, the maps a helper writes while swclone unshares.
    var helperMaps: UserMapsPlan?
    /// The programs of the seccomp steps, in their order (SeccompPrograms.swift).
    var seccompPrograms: [[UInt8]] = []
    var join = JoinOutcome()
}

/// The C description of the child (`struct sw_child`), filled here and only
/// here from the plan: after clone3 the child may not allocate, so every
/// string and array it reads is made now, and freed with this object.
final class ChildStructure {
    let pointer: UnsafeMutablePointer<sw_child>
    private let memory = CAllocations()
    private var pwdSlot: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

    init(_ plan: LaunchPlan, resources r: ChildResources) {
        pointer = memory.allocate(sw_child.self, count: 1)
        var c = sw_child()
        sw_child_init(&c)
        c.error_fd = r.errorFD
        c.keeper_fd = r.keeperFD
        let parentFDs = memory.allocate(Int32.self, count: r.parentFDs.count)
        for (i, fd) in r.parentFDs.enumerated() { (parentFDs + i).initialize(to: fd) }
        c.parent_fds = UnsafePointer(parentFDs)
        c.parent_fd_count = Int32(r.parentFDs.count)
        if plan.start == .inPlace {
            c.unshare_flags = Int32(truncatingIfNeeded: cloneFlags(plan.namespaceFlags))
            c.helper_maps = r.helperMaps.map { UnsafePointer($0.maps) }
            c.map_report = r.helperMaps?.report
            if let owner = plan.spec.owner {
                c.set_owner = true
                c.owner_uid = owner.uid
                c.owner_gid = owner.gid
            }
        }
        // bubblewrap's PWD: its own slot, last, which the step choosing the directory fills.
        if let environment = plan.program.environment {
            let setsPWD = plan.steps.contains { if case .chdirFirst(_, true) = $0 { true } else { false } }
            let entries = setsPWD ? environment.filter { !$0.hasPrefix("PWD=") } + ["PWD=/"] : environment
            let envp = memory.array(entries)
            if setsPWD { pwdSlot = envp + (entries.count - 1) }
            c.envp = UnsafePointer(envp)
        } else {
            c.envp = UnsafePointer(environ)
        }
        let ops = memory.allocate(sw_op.self, count: plan.steps.count)
        for (i, step) in plan.steps.enumerated() { (ops + i).initialize(to: operation(step, plan: plan, resources: r)) }
        c.ops = UnsafePointer(ops)
        c.op_count = Int32(plan.steps.count)
        c.run_init = plan.runsInit
        c.program_death_signal = plan.runsInit ? plan.killChildSignal ?? 0 : 0
        c.status_fd = r.initReportsFD
        c.sigmask = r.signalMask
        // One spare slot before argv[0] for the shell fallback of a script without #!.
        c.argv = memory.array(plan.program.argv, spare: 1).advanced(by: 1)
        c.candidates = memory.constArray(plan.program.candidates)
        pointer.initialize(to: c)
    }

    private func operation(_ step: SetupStep, plan: LaunchPlan, resources r: ChildResources) -> sw_op {
        var op = sw_op()
        func kind(_ k: sw_op_kind) { sw_op_init(&op, k) }
        switch step {
        case .waitForParent:
            kind(.waitParent)
            op.fd = r.syncFD
        case .joinCgroup(let dir):
            kind(.joinCgroup)
            op.path = string(dir + "/tasks")
        case .checkSetgroupsAllowed:
            kind(.expectFile)
            op.path = string("/proc/self/setgroups")
            op.text = string("allow")
            op.step = .setgroupsCheck
        case .writeOwnMap(let file, let text):
            kind(.writeFile)
            op.path = string("/proc/self/\(file.rawValue)")
            op.text = string(text)
            op.step = file.step
        case .newTimeNamespace(let offsets):
            kind(.newTimeNamespace)
            op.text = offsets.map(string)
            op.inode_slot = r.timeNamespaceSlot.map { UnsafeMutablePointer(mutating: $0) }
        case .keepNamespaces:
            kind(.keepNamespaces)
            op.fd = r.keepReadyFD
            op.fd2 = r.keepAnswerFD
        case .hostname(let name):
            kind(.hostname)
            op.text = string(name)
        case .loopbackUp:
            kind(.loopbackUp)
        case .propagation(let propagation):
            kind(.propagation)
            op.flags = SW_MS_REC | propagation.mountFlag
        case .makePrivate(let dir):
            kind(.makePrivate)
            op.path = string(dir)
        case .chroot(let dir):
            kind(.chroot)
            op.path = string(dir)
        case .chdir(let dir, _):
            kind(.chdir)
            op.path = string(dir)
        case .mountProc(let dir):
            kind(.mountProc)
            op.path = string(dir)
        case .resourceLimit(let limit):
            kind(.resourceLimit)
            op.rlimit = sw_rlimit(
                resource: limit.resource, set_soft: limit.soft != nil, set_hard: limit.hard != nil, soft: limit.soft ?? 0,
                hard: limit.hard ?? 0)
        case .identity(let id):
            kind(.identity)
            let follow = plan.spec.join
            let uid = follow?.followUID == true ? r.join.ownerUID ?? id.uid : id.uid
            let gid = follow?.followGID == true ? r.join.ownerGID ?? id.gid : id.gid
            op.identity = sw_identity(
                set_uid: uid != nil, set_gid: gid != nil, uid: uid ?? 0, gid: gid ?? 0,
                groups_denied: id.groupsDenied || r.join.groupsDropped,
                keep_caps: id.keepCapabilities)
        case .capabilities(let caps, let known):
            kind(.capabilities)
            op.caps = sw_caps(known: known.rawValue, kept: caps.kept.rawValue, inheritable: caps.inheritable.rawValue)
        case .noNewPrivileges:
            kind(.noNewPrivs)
        case .newSession:
            kind(.newSession)
        case .parentDeath(let signal):
            kind(.parentDeath)
            op.signal = signal
            op.fd = r.parentPidfd
        case .takeTerminal:
            kind(.terminal)
            op.fd = plan.terminal ?? -1
        case .newProcessGroup:
            kind(.processGroup)
        case .viewBegin(let scratch):
            kind(.viewBegin)
            op.path = string(scratch)
        case .view(let operation, let newInstance):
            op = viewOperation(operation, newInstance: newInstance)
        case .viewFinish:
            kind(.viewFinish)
            let mask = umask(0)
            umask(mask)
            op.mode = UInt32(mask)
        case .chdirFirst(let directories, _):
            kind(.chdirFirst)
            op.config = memory.pairs(directories.flatMap { [$0, "PWD=" + $0] })
            op.env_slot = pwdSlot
        case .lockFile(let path):
            kind(.lockFile)
            op.path = string(path)
        case .waitOnDescriptor(let fd, _):
            kind(.waitDescriptor)
            op.fd = fd
        case .joinUserNamespace(let fd):
            kind(.setns)
            op.fd = fd
            op.flags = UInt(SW_CLONE_NEWUSER)
        case .nestPIDNamespace:
            kind(.nestPIDNamespace)
            op.fd = r.errorFD
            op.fd2 = r.keeperFD
        case .limitUserNamespaces:
            kind(.writeFile)
            op.path = string("/proc/sys/user/max_user_namespaces")
            op.text = string("1")
            op.step = .userNamespaceLimit
        case .nestUserNamespace(let uid, let gid):
            kind(.nestUserNamespace)
            op.identity.uid = uid
            op.identity.gid = gid
        case .assertUserNamespacesDisabled:
            kind(.assertNoUserNamespace)
        case .landlock(let rules):
            kind(.landlock)
            let array = memory.allocate(sw_landlock_rule.self, count: rules.rules.count)
            for (i, rule) in rules.rules.enumerated() {
                (array + i).initialize(to: sw_landlock_rule(path: string(rule.path), access: rule.access.rawValue))
            }
            op.landlock = sw_landlock(handled: rules.handled.rawValue, rules: UnsafePointer(array), rule_count: Int32(rules.rules.count))
        case .seccomp:
            kind(.seccomp)
            let bytes = r.seccompPrograms[seccompCount]
            seccompCount += 1
            let copy = memory.allocate(UInt8.self, count: bytes.count)
            copy.initialize(from: bytes, count: bytes.count)
            // 8 bytes an instruction, at most 4096 (checked when read; libseccomp keeps to both).
            op.seccomp = sw_seccomp_program(instructions: UnsafeRawPointer(copy), length: UInt16(bytes.count / 8))
        }
        return op
    }

    /// A view operation: sources are the host's, resolved here (realpath, as bubblewrap) and
    /// reached under /oldroot; destinations relative to the new root.
    private func viewOperation(_ operation: ViewOperation, newInstance: Bool) -> sw_op {
        var op = sw_op()
        func kind(_ k: sw_op_kind) { sw_op_init(&op, k) }
        func bindFlags(_ access: BindAccess) -> UInt {
            access == .readOnly ? SW_VIEW_READ_ONLY : access == .devices ? SW_VIEW_DEVICES : 0
        }
        switch operation.kind {
        case .bind(let source, let access, let optional):
            kind(.viewBind)
            op.path = string(oldRoot(resolved(source)))
            op.flags = bindFlags(access) | (optional ? SW_VIEW_OPTIONAL : 0)
        case .bindDescriptor(let fd, let access):
            kind(.viewBind)
            op.path = string(oldRoot(resolved("/proc/self/fd/\(fd)")))
            op.flags = bindFlags(access)
            op.fd = fd
        case .remountReadOnly:
            kind(.viewRemountReadOnly)
        case .tmpfs(let mode, let size):
            kind(.viewFilesystem)
            op.text = string("tmpfs")
            var config = ["mode", "0" + String(mode, radix: 8)]
            if let size { config += ["size", String(size)] }
            op.config = memory.pairs(config)
            op.attributes = UInt64(SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NODEV)
        case .proc:
            kind(.viewProc)
            op.flags = newInstance ? SW_VIEW_NEW : 0
        case .dev:
            kind(.viewDev)
            // As bubblewrap: the terminal on standard output becomes /dev/console, so ttyname() works.
            if isatty(1) != 0, let tty = ttyname(1) { op.path = string(oldRoot(String(cString: tty))) }
        case .mqueue:
            kind(.viewFilesystem)
            op.text = string("mqueue")
            op.attributes = UInt64(SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NODEV | SW_MOUNT_ATTR_NOEXEC)
        case .dir(let mode):
            kind(.viewDir)
            op.mode = mode
        case .symlink(let target):
            kind(.viewSymlink)
            op.text = string(target)
        case .chmod(let mode):
            kind(.viewChmod)
            op.mode = mode
        case .file(let fd, let mode):
            kind(.viewFile)
            op.fd = fd
            op.mode = mode
        case .bindData(let fd, let mode, let readOnly):
            kind(.viewFile)
            op.fd = fd
            op.mode = mode
            op.flags = SW_VIEW_BIND | (readOnly ? SW_VIEW_READ_ONLY : 0)
        case .overlay(let sources, let upper):
            kind(.viewFilesystem)
            op.text = string("overlay")
            // overlayfs lists the layers top first; the command line gives them bottom first.
            var config = ["lowerdir", sources.reversed().map { overlayPath(oldRoot(resolved($0))) }.joined(separator: ":")]
            switch upper {
            case .directory(let rw, let work):
                config += ["upperdir", overlayPath(oldRoot(resolved(rw))), "workdir", overlayPath(oldRoot(resolved(work)))]
            case .temporary:
                let n = overlayCount
                overlayCount += 1
                config += ["upperdir", "/tmp-overlay-upper-\(n)", "workdir", "/tmp-overlay-work-\(n)"]
                op.flags = SW_VIEW_SCRATCH_DIRS
            case .none:
                break
            }
            config += ["userxattr", ""]
            op.config = memory.pairs(config)
            op.attributes = UInt64(SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NODEV | (upper == .none ? SW_MOUNT_ATTR_RDONLY : 0))
        }
        // Relative to the new root: "/" is the root itself.
        op.dest = string(String(operation.destination.dropFirst()))
        op.parent_mode = operation.parentMode
        return op
    }

    private var overlayCount = 0
    private var seccompCount = 0

    private func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private func oldRoot(_ path: String) -> String { "/oldroot" + path }

    /// overlayfs reads ':' and ',' as separators and '\\' as its escape.
    private func overlayPath(_ path: String) -> String {
        var escaped = ""
        for c in path {
            if c == "\\" || c == ":" || c == "," { escaped.append("\\") }
            escaped.append(c)
        }
        return escaped
    }

    private func string(_ s: String) -> UnsafePointer<CChar> { memory.string(s) }
}

extension OwnMapFile {
    /// The step a failed write of this file reports.
    var step: sw_step {
        switch self {
        case .setgroups: .setgroupsFile
        case .uidMap: .uidMap
        case .gidMap: .gidMap
        }
    }
}

/// The clone/unshare flags for a set of namespaces.
public func cloneFlags(_ namespaces: Set<Namespace>) -> UInt64 {
    var flags: UInt64 = 0
    for ns in namespaces {
        switch ns {
        case .user: flags |= SW_CLONE_NEWUSER
        case .pid: flags |= SW_CLONE_NEWPID
        case .mount: flags |= SW_CLONE_NEWNS
        case .uts: flags |= SW_CLONE_NEWUTS
        case .ipc: flags |= SW_CLONE_NEWIPC
        case .net: flags |= SW_CLONE_NEWNET
        case .cgroup: flags |= SW_CLONE_NEWCGROUP
        case .time: flags |= SW_CLONE_NEWTIME
        }
    }
    return flags
}

extension Propagation {
    var mountFlag: UInt {
        switch self {
        case .private: SW_MS_PRIVATE
        case .shared: SW_MS_SHARED
        case .slave: SW_MS_SLAVE
        }
    }
}
