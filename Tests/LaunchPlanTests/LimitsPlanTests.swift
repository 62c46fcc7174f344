import LaunchPlan
import LaunchSpec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// --timeout, --kill-tree, the transient cgroup and --rlimit in the plan:
/// where each limit goes on pure cgroup v2, hybrid and legacy hosts, how the
/// tree is killed, and where the steps come.
struct LimitsPlanTests {
    static let everything = CapabilitySet.all(count: 41)

    /// These machines: cgroup v2 with no controller (hugetlb only), memory, pids and cpu as v1 hierarchies.
    static let hybrid = CgroupFacts(
        v2: CgroupHierarchy(version2: true, parent: "/sys/fs/cgroup/unified", controllers: []),
        v1: [
            CgroupHierarchy(version2: false, parent: "/sys/fs/cgroup/cpu", controllers: .cpu),
            CgroupHierarchy(version2: false, parent: "/sys/fs/cgroup/memory/job", controllers: .memory),
            CgroupHierarchy(version2: false, parent: "/sys/fs/cgroup/pids", controllers: .pids),
        ])
    /// Most hosts: cgroup v2 only, the controllers given to the children of swclone's cgroup.
    static let pureV2 = CgroupFacts(
        v2: CgroupHierarchy(
            version2: true, parent: "/sys/fs/cgroup/ci", controllers: [.memory, .pids, .cpu], enabled: [.memory, .pids, .cpu]))

    func facts(_ cgroups: CgroupFacts?, uid: uid_t = 0) -> ProcessFacts {
        var facts = ProcessFacts(pid: 4242, uid: uid, gid: uid, effective: [], permitted: [], known: Self.everything)
        facts.cgroups = cgroups
        return facts
    }

    func plan(_ cgroups: CgroupFacts? = hybrid, _ change: (inout LaunchSpec, inout Limits) -> Void) throws -> LaunchPlan {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/usr/bin/true"], environment: nil)
        var limits = Limits()
        change(&spec, &limits)
        spec.limits = limits
        return try LaunchPlan(spec: spec, facts: facts(cgroups))
    }

    // MARK: where each limit goes

    @Test func hybridHostsUseTheV1HierarchiesAndKeepTheTreeInCgroupV2() throws {
        let p = try plan { _, l in
            l.memoryMax = 48 << 20
            l.pidsMax = 8
            l.cpuMax = parseCPUs("1.5")
        }
        let cgroup = try #require(p.limits?.cgroup)
        #expect(cgroup.name == "swclone-4242")
        // cgroup v2 holds the whole tree, with no limit of its own.
        #expect(cgroup.v2?.directory == "/sys/fs/cgroup/unified/swclone-4242" && cgroup.v2?.settings == [])
        #expect(
            cgroup.v1.map(\.directory) == [
                "/sys/fs/cgroup/cpu/swclone-4242", "/sys/fs/cgroup/memory/job/swclone-4242", "/sys/fs/cgroup/pids/swclone-4242",
            ])
        #expect(
            cgroup.v1[0].settings == [
                CgroupSetting(file: "cpu.cfs_period_us", value: "100000"), CgroupSetting(file: "cpu.cfs_quota_us", value: "150000"),
            ])
        #expect(
            cgroup.v1[1].settings == [
                CgroupSetting(file: "memory.limit_in_bytes", value: "50331648"),
                CgroupSetting(file: "memory.memsw.limit_in_bytes", value: "50331648", optional: true),
            ])
        #expect(cgroup.v1[2].settings == [CgroupSetting(file: "pids.max", value: "8")])
        // The child enters the v1 cgroups first thing; cgroup v2 through CLONE_INTO_CGROUP.
        #expect(Array(p.steps.prefix(3)) == cgroup.v1.map { .joinCgroup($0.directory) })
        // Nothing else needs a copy of swclone: clone3 shares its memory into the cgroup.
        #expect(p.start == .sharedMemory && p.limits?.treeKill == .cgroup)
    }

    @Test func pureV2WritesEveryLimitInOneCgroup() throws {
        let p = try plan(Self.pureV2) { _, l in
            l.memoryMax = 2 << 30
            l.pidsMax = 512
            l.cpuMax = parseCPUs("0.5")
        }
        let cgroup = try #require(p.limits?.cgroup)
        #expect(cgroup.v1.isEmpty && cgroup.v2?.enable == [])
        #expect(
            cgroup.v2?.settings == [
                CgroupSetting(file: "memory.max", value: "2147483648"), CgroupSetting(file: "memory.swap.max", value: "0", optional: true),
                CgroupSetting(file: "pids.max", value: "512"), CgroupSetting(file: "cpu.max", value: "50000 100000"),
            ])
        #expect(!p.steps.contains { if case .joinCgroup = $0 { true } else { false } })
    }

    /// --cgroup-parent: a controller its cgroup.controllers has is enabled for its children first.
    @Test func aParentGivenByTheUserGetsTheControllerEnabled() throws {
        let parent = CgroupFacts(
            v2: CgroupHierarchy(version2: true, parent: "/sys/fs/cgroup/ci", fromOption: true, controllers: [.memory, .pids]))
        let p = try plan(parent) { _, l in
            l.memoryMax = 1 << 30
            l.cgroupParents = ["/sys/fs/cgroup/ci"]
        }
        #expect(p.limits?.cgroup?.v2?.enable == .memory && p.limits?.cgroup?.v2?.controllers == .memory)
    }

    /// swclone's own cgroup is never changed: a controller it does not give its children is an error naming the fix.
    @Test func aControllerNowhereIsASetupErrorNamingTheFix() {
        let noPids = CgroupFacts(v2: CgroupHierarchy(version2: true, parent: "/sys/fs/cgroup/user.slice/s.scope", controllers: .pids))
        let error = #expect(throws: SwcloneError.self) { try plan(noPids) { _, l in l.pidsMax = 8 } }
        #expect(error?.status == ExitStatus.setupFailed)
        #expect(
            error?.message.hasPrefix(
                "--pids-max 8: cgroup v2 gives no pids controller to the children of /sys/fs/cgroup/user.slice/s.scope (not in its cgroup.subtree_control), no cgroup v1 hierarchy has it; give --cgroup-parent DIR"
            ) == true, "\(error?.message ?? "")")
    }

    // MARK: the tree

    @Test func aNewPIDNamespaceHoldsTheTreeWithoutACgroup() throws {
        let p = try plan(nil) { s, l in
            s.namespaces = [.pid]
            l.timeout = try! parseTimeout("10")
        }
        #expect(p.limits?.cgroup == nil && p.limits?.treeKill == .pidNamespace && p.start == .sharedMemory)
        #expect(p.limits?.timeout == Timeout(seconds: 10, killAfter: 5, text: "10s"))
    }

    @Test func killTreeWithoutAPIDNamespaceMakesACgroup() throws {
        let p = try plan { _, l in l.killTree = true }
        #expect(p.limits?.cgroup?.v2?.directory == "/sys/fs/cgroup/unified/swclone-4242" && p.limits?.cgroup?.v1 == [])
        #expect(p.limits?.treeKill == .cgroup && p.start == .sharedMemory && p.steps.isEmpty)
    }

    /// --timeout alone where swclone may not make a cgroup: the program leads a process group, killed whole.
    @Test func timeoutFallsBackToAProcessGroup() throws {
        var closed = Self.hybrid
        closed.v2?.writable = false
        let p = try plan(closed) { _, l in l.timeout = try! parseTimeout("1") }
        #expect(p.limits?.cgroup == nil && p.limits?.treeKill == .processGroup)
        #expect(p.steps == [.newProcessGroup] && p.start == .sharedMemory)
        // --kill-tree asks for the cgroup: making it fails with the fix in its line.
        let asked = try plan(closed) { _, l in l.killTree = true }
        #expect(asked.limits?.cgroup?.v2 != nil)
    }

    /// --into-cgroup puts the program in its own directory: --timeout then kills the process group.
    @Test func timeoutWithIntoCgroupKeepsTheProgramThere() throws {
        let p = try plan { s, l in
            s.intoCgroup = "/sys/fs/cgroup/unified/job"
            l.timeout = try! parseTimeout("1")
        }
        #expect(p.limits?.cgroup == nil && p.limits?.treeKill == .processGroup && p.cgroup == .into("/sys/fs/cgroup/unified/job"))
    }

    @Test func withoutCgroupV2TheTreeNeedsAPIDNamespace() throws {
        let legacy = CgroupFacts(v2: nil, v1: Self.hybrid.v1)
        let error = #expect(throws: SwcloneError.self) { try plan(legacy) { _, l in l.killTree = true } }
        #expect(error?.message.contains("no cgroup v2 filesystem is mounted") == true)
        // A limit on v1 holds the tree there.
        let pids = try plan(legacy) { _, l in l.pidsMax = 8 }
        #expect(pids.limits?.cgroup?.v2 == nil && pids.limits?.cgroup?.v1.count == 1)
    }

    // MARK: steps

    @Test func resourceLimitsComeBeforeTheIdentityAndBindOnlyTheProgram() throws {
        let nofile = try parseResourceLimit("nofile=64")
        let p = try plan(nil) { s, l in
            s.uid = 1000
            l.resourceLimits = [nofile]
        }
        // In place: the program replaces swclone, so binding swclone is binding the program.
        #expect(p.limits == nil && p.start == .inPlace)
        let identity = try #require(p.steps.firstIndex { if case .identity = $0 { true } else { false } })
        #expect(p.steps.firstIndex(of: .resourceLimit(nofile)) == identity - 1)
    }

    @Test func nothingButRlimitsAndAZeroTimeoutIsNoSupervision() throws {
        #expect(try plan(nil) { _, l in l.timeout = try! parseTimeout("0") }.start == .inPlace)
    }
}
