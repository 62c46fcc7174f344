import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// --timeout, --kill-tree and the transient cgroup, decided: where each
/// limit is written, how the program starts inside the cgroup, and how
/// everything the program started is killed. A class: the plan holds it as
/// one reference, so the launches that have none copy a nil pointer, where a
/// struct this size was copied through its runtime type metadata (12 k
/// instructions on every launch).
public final class LimitsPlan: Equatable, Sendable {
    /// How swclone reaches every process the program started.
    public enum TreeKill: Equatable, Sendable {
        /// The transient cgroup: cgroup.kill (or freezing it and killing each process).
        case cgroup
        /// The program's new PID namespace: SIGKILL to its init ends every process in it.
        case pidNamespace
        /// Where no cgroup can be made for --timeout: the program leads a process group, killed whole.
        case processGroup
    }

    public let timeout: Timeout?
    public let treeKill: TreeKill
    public let cgroup: TransientCgroupPlan?
    public let memoryMax: UInt64?

    /// Nil when nothing is to be killed: no --timeout, --kill-tree or cgroup limit.
    init?(_ limits: Limits, newPIDNamespace: Bool, intoCgroup: Bool, facts: ProcessFacts) throws {
        guard limits.killsTree else { return nil }
        timeout = limits.timeout
        memoryMax = limits.memoryMax
        var cgroup: TransientCgroupPlan?
        if limits.wantsCgroup(newPIDNamespace: newPIDNamespace, intoCgroup: intoCgroup) {
            cgroup = try TransientCgroupPlan(limits, facts: facts.cgroups ?? CgroupFacts(v2: nil), pid: facts.pid)
        }
        self.cgroup = cgroup
        if cgroup != nil {
            treeKill = .cgroup
        } else if newPIDNamespace {
            treeKill = .pidNamespace
        } else {
            treeKill = .processGroup
        }
    }

    public static func == (a: LimitsPlan, b: LimitsPlan) -> Bool {
        a.timeout == b.timeout && a.treeKill == b.treeKill && a.cgroup == b.cgroup && a.memoryMax == b.memoryMax
    }
}

/// A cgroup made for one launch, limits written before the child exists,
/// and removed after the program and everything it started are gone. On
/// cgroup v2 the child starts in it (CLONE_INTO_CGROUP); a controller that
/// lives in a v1 hierarchy (hybrid hosts) gets a cgroup of the same name
/// there, which the child enters first thing.
public struct TransientCgroupPlan: Equatable, Sendable {
    /// The directory's name in each hierarchy.
    public var name: String
    public var v2: CgroupPlacement?
    public var v1: [CgroupPlacement]
    private var limits: Limits

    /// The options that asked for it, as given, for messages (made only for one: joining words is slow to start).
    public var options: String { limits.cgroupOptions }

    init?(_ limits: Limits, facts: CgroupFacts, pid: pid_t) throws {
        name = "swclone-\(pid)"
        self.limits = limits
        var onV2: Controllers = [], enable: Controllers = []
        // Raw values, one per v1 hierarchy: an array of a type of swclone's own costs the runtime an instantiation.
        var onV1 = [UInt8](repeating: 0, count: facts.v1.count)
        // Each controller asked for goes where the parent gives it to its children.
        func place(_ controller: Controllers) throws {
            if let v2 = facts.v2, v2.enabled.contains(controller) {
                onV2.insert(controller)
            } else if let v2 = facts.v2, v2.fromOption, v2.controllers.contains(controller) {
                // The user's own parent: its children get the controller once it is enabled there.
                onV2.insert(controller)
                enable.insert(controller)
            } else if let i = facts.v1.firstIndex(where: { $0.controllers.contains(controller) }) {
                onV1[i] |= controller.rawValue
            } else {
                throw Self.unavailable(controller, option: limits.option(for: controller), facts: facts)
            }
        }
        if limits.memoryMax != nil { try place(.memory) }
        if limits.pidsMax != nil { try place(.pids) }
        if limits.cpuMax != nil { try place(.cpu) }
        var v1: [CgroupPlacement] = []
        for (i, hierarchy) in facts.v1.enumerated() where onV1[i] != 0 {
            v1.append(CgroupPlacement(hierarchy, name: name, controllers: Controllers(rawValue: onV1[i]), enable: [], limits: limits))
        }
        // cgroup v2 holds the whole tree (cgroup.kill, cpu.stat) even without a controller, unless
        // swclone may not make a cgroup there and the v1 ones do the work.
        if let hierarchy = facts.v2, !onV2.isEmpty || hierarchy.writable || v1.isEmpty {
            if !hierarchy.writable && onV2.isEmpty && limits.cgroupOptional { return nil }
            v2 = CgroupPlacement(hierarchy, name: name, controllers: onV2, enable: enable, limits: limits)
        } else if v1.isEmpty {
            // Nothing to limit, no cgroup v2 to hold the tree.
            if limits.cgroupOptional { return nil }
            throw SwcloneError.setup(
                "\(limits.cgroupOptions): no cgroup v2 filesystem is mounted (/proc/self/mountinfo), and the program's processes are "
                    + "found through one; mount it, or give --pid: the end of a new PID namespace kills everything in it")
        }
        self.v1 = v1
    }

    /// Every cgroup directory, v2 first.
    public var placements: [CgroupPlacement] {
        var all: [CgroupPlacement] = []
        if let v2 { all.append(v2) }
        return all + v1
    }

    private static func unavailable(_ flag: Controllers, option: String, facts: CgroupFacts) -> SwcloneError {
        let controller = flag.names
        var places: [String] = []
        if let v2 = facts.v2 {
            let file = v2.fromOption ? "cgroup.controllers" : "cgroup.subtree_control"
            places.append("cgroup v2 gives no \(controller) controller to the children of \(v2.parent) (not in its \(file))")
        } else {
            places.append("no cgroup v2 filesystem is mounted")
        }
        places.append("no cgroup v1 hierarchy has it")
        let fix =
            facts.v2?.fromOption == true
            ? "delegate \(controller) to that cgroup (its parent's cgroup.subtree_control)"
            : "give --cgroup-parent DIR, a cgroup v2 directory without processes whose cgroup.controllers lists \(controller) "
                + "(systemd: a unit with Delegate=yes), or enable \(controller) for the children of swclone's cgroup"
        return .setup("\(option): \(places.joined(separator: ", ")); \(fix)")
    }
}

/// The transient cgroup in one hierarchy: its parent, the controllers
/// limited there, and the files written after mkdir and before the child exists.
public struct CgroupPlacement: Equatable, Sendable {
    public var version2: Bool
    public var parent: String
    public var directory: String
    public var controllers: Controllers
    /// cgroup v2: enabled in the parent's cgroup.subtree_control first (a --cgroup-parent directory only).
    public var enable: Controllers
    public var settings: [CgroupSetting]

    init(_ hierarchy: CgroupHierarchy, name: String, controllers: Controllers, enable: Controllers, limits: Limits) {
        version2 = hierarchy.version2
        parent = hierarchy.parent
        directory = (hierarchy.parent.hasSuffix("/") ? hierarchy.parent : hierarchy.parent + "/") + name
        self.controllers = controllers
        self.enable = enable
        var settings: [CgroupSetting] = []
        let v2 = hierarchy.version2
        // Swap counts against the limit: a program over it is OOM-killed, not pushed into swap.
        if controllers.contains(.memory), let bytes = limits.memoryMax {
            if v2 {
                settings.append(CgroupSetting(file: "memory.max", value: String(bytes)))
                settings.append(CgroupSetting(file: "memory.swap.max", value: "0", optional: true))
            } else {
                // memsw (memory + swap) may not be below the memory limit: written second.
                settings.append(CgroupSetting(file: "memory.limit_in_bytes", value: String(bytes)))
                settings.append(CgroupSetting(file: "memory.memsw.limit_in_bytes", value: String(bytes), optional: true))
            }
        }
        if controllers.contains(.pids), let n = limits.pidsMax {
            settings.append(CgroupSetting(file: "pids.max", value: String(n)))
        }
        if controllers.contains(.cpu), let cpu = limits.cpuMax {
            if v2 {
                settings.append(CgroupSetting(file: "cpu.max", value: "\(cpu.quota) \(CPUQuota.period)"))
            } else {
                settings.append(CgroupSetting(file: "cpu.cfs_period_us", value: String(CPUQuota.period)))
                settings.append(CgroupSetting(file: "cpu.cfs_quota_us", value: String(cpu.quota)))
            }
        }
        self.settings = settings
    }
}

/// A value written to one of a cgroup's files.
public struct CgroupSetting: Equatable, Sendable {
    public var file: String
    public var value: String
    /// Skipped where the kernel lacks the file (swap accounting off: no memory.swap.max, no memsw).
    public var optional: Bool

    public init(file: String, value: String, optional: Bool = false) {
        self.file = file
        self.value = value
        self.optional = optional
    }
}

extension Limits {
    /// The option that asked for `controller`'s limit, as given.
    func option(for controller: Controllers) -> String {
        switch controller {
        case .memory: "--memory-max \(memoryMax.map(formatBytes) ?? "")"
        case .pids: "--pids-max \(pidsMax.map(String.init) ?? "")"
        default: "--cpu-max \(cpuMax?.text ?? "")"
        }
    }
}
