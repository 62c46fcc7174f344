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
    /// swclone's ends of the channels, which the child closes first.
    var parentFDs: [Int32] = []
    /// swclone's own pidfd, for --kill-child.
    var parentPidfd: Int32 = -1
    /// --init's end of its status pipe.
    var initReportsFD: Int32 = -1
    var timeNamespaceSlot: UnsafeMutablePointer<UInt64>?
    /// The mask the program starts with, when swclone blocked its signals before making the structure.
    var signalMask: sigset_t?
    /// In place, the maps a helper writes while swclone unshares.
    var helperMaps: UserMapsPlan?
    var join = JoinOutcome()
}

/// The C description of the child (`struct sw_child`), filled here and only
/// here from the plan: after clone3 the child may not allocate, so every
/// string and array it reads is made now, and freed with this object.
final class ChildStructure {
    let pointer: UnsafeMutablePointer<sw_child>
    private let memory = CAllocations()

    init(_ plan: LaunchPlan, resources r: ChildResources) {
        pointer = memory.allocate(sw_child.self, count: 1)
        var c = sw_child()
        sw_child_init(&c)
        c.error_fd = r.errorFD
        let parentFDs = memory.allocate(Int32.self, count: r.parentFDs.count)
        for (i, fd) in r.parentFDs.enumerated() { (parentFDs + i).initialize(to: fd) }
        c.parent_fds = UnsafePointer(parentFDs)
        c.parent_fd_count = Int32(r.parentFDs.count)
        if plan.start == .inPlace {
            c.unshare_flags = Int32(truncatingIfNeeded: cloneFlags(plan.namespaceFlags))
            c.helper_maps = r.helperMaps.map { UnsafePointer($0.maps) }
            c.map_report = r.helperMaps?.report
        }
        let ops = memory.allocate(sw_op.self, count: plan.steps.count)
        for (i, step) in plan.steps.enumerated() { (ops + i).initialize(to: operation(step, plan: plan, resources: r)) }
        c.ops = UnsafePointer(ops)
        c.op_count = Int32(plan.steps.count)
        c.run_init = plan.runsInit
        c.status_fd = r.initReportsFD
        if let mask = r.signalMask { c.sigmask = mask } else { sigprocmask(SIG_SETMASK, nil, &c.sigmask) }
        // One spare slot before argv[0] for the shell fallback of a script without #!.
        c.argv = memory.array(plan.program.argv, spare: 1).advanced(by: 1)
        c.envp = plan.program.environment.map { UnsafePointer(memory.array($0)) } ?? UnsafePointer(environ)
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
            op.identity = sw_identity(
                set_uid: id.uid != nil, set_gid: id.gid != nil, uid: id.uid ?? 0, gid: id.gid ?? 0,
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
        }
        return op
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
func cloneFlags(_ namespaces: Set<Namespace>) -> UInt64 {
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
