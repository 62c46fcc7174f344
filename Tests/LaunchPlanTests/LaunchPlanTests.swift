import LaunchPlan
import LaunchSpec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The decisions the plan makes once, from a spec and given facts: no
/// system is read here, so each rule is checked on its own.
struct LaunchPlanTests {
    static let everything = CapabilitySet.all(count: 41)
    /// Root in the initial user namespace, not in a terminal's foreground.
    static let root = ProcessFacts(pid: 100, uid: 0, gid: 0, effective: everything, permitted: everything, known: everything)
    /// An unprivileged user, UID 1000, with no capabilities.
    static let user = ProcessFacts(pid: 100, uid: 1000, gid: 1000, effective: [], permitted: [], known: everything)

    func spec(_ change: (inout LaunchSpec) -> Void = { _ in }) -> LaunchSpec {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/usr/bin/true"], environment: nil)
        change(&spec)
        return spec
    }

    func plan(as facts: ProcessFacts = root, target: TargetFacts? = nil, _ change: (inout LaunchSpec) -> Void = { _ in })
        throws -> LaunchPlan
    {
        try LaunchPlan(spec: spec(change), facts: facts, target: target)
    }

    /// --owner: the owner creates the namespace and may not map swclone's IDs, so they are written from outside.
    @Test func ownerMapsFromOutside() throws {
        let owned = try plan(as: Self.user) {
            $0.namespaces = [.user]
            $0.owner = NamespaceOwner(uid: 1000, gid: 1000)
            $0.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], gidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)],
                denySetgroups: true)
        }
        #expect(owned.outsideMaps != nil && !owned.steps.contains { if case .writeOwnMap = $0 { true } else { false } })
    }

    /// -N and --user-parent replace the target's own network and user namespaces, and --user-parent drops credentials.
    @Test func socketAndParentNamespacesReplaceTheTargets() throws {
        var join = NamespaceJoin()
        join.target = 42
        join.all = true
        join.netSocket = 5
        join.userParent = true
        let p = try plan(target: TargetFacts(shared: [.time])) { $0.join = join }
        let plan = try #require(p.join)
        #expect(plan.fromTarget == [.pid, .mount, .uts, .ipc, .cgroup])
        #expect(plan.joined == [.user, .pid, .mount, .uts, .ipc, .net, .cgroup] && plan.dropsCredentials)
    }

    // MARK: a child or in place

    @Test func nothingNeedsAChildSoSwcloneExecsInPlace() throws {
        let p = try plan { $0.namespaces = [.uts, .net, .mount] }
        #expect(p.start == .inPlace && p.namespaceFlags == [.uts, .net, .mount])
    }

    @Test func theseNeedAChildThatCanShareMemory() throws {
        #expect(try plan { $0.forkRequested = true }.start == .sharedMemory)
        #expect(try plan { $0.namespaces = [.pid] }.start == .sharedMemory)
        #expect(try plan { $0.killChildSignal = SIGKILL }.start == .sharedMemory)
        #expect(try plan { $0.jsonStatusFD = 1 }.start == .sharedMemory)
    }

    /// The kernel refuses a time namespace to a process that shares its memory.
    @Test func aTimeNamespaceNeverSharesMemory() throws {
        let p = try plan {
            $0.forkRequested = true
            $0.namespaces = [.time, .uts]
            $0.boottimeOffset = 5
        }
        #expect(p.start == .clone3 && p.namespaceFlags == [.uts])
        #expect(p.steps.first == .newTimeNamespace(offsets: "boottime 5 0\n"))
    }

    @Test func whatOnlyClone3OrAWaitingChildDoes() throws {
        #expect(try plan { $0.setTID = [4242] }.start == .clone3)
        #expect(try plan { $0.intoCgroup = "/sys/fs/cgroup/job" }.start == .clone3)
        #expect(
            try plan {
                $0.namespaces = [.pid]
                $0.runsInit = true
            }.start == .clone3)
        #expect(
            try plan {
                $0.namespaces = [.net]
                $0.namespaceFiles = [.net: "/run/ns/net"]
                $0.forkRequested = true
            }.start == .clone3)
    }

    @Test func keptNamespacesAreBoundOnceTheyExist() throws {
        let p = try plan {
            $0.namespaces = [.net, .uts]
            $0.namespaceFiles = [.uts: "/run/u", .net: "/run/n"]
            $0.hostname = "box"
        }
        // In place too: a helper binds them. The order is fixed: the helper reports by index.
        #expect(p.start == .inPlace)
        #expect(p.keptNamespaces.map(\.path) == ["/run/u", "/run/n"])
        #expect(p.steps == [.keepNamespaces, .hostname("box"), .loopbackUp])
    }

    // MARK: ID maps

    /// An unprivileged caller's own single IDs: the new namespace writes them itself.
    @Test func ownIDsAreWrittenByTheNewNamespace() throws {
        let p = try plan(as: Self.user) {
            $0.forkRequested = true
            $0.namespaces = [.user]
            $0.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)],
                gidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], denySetgroups: true)
        }
        #expect(p.outsideMaps == nil && p.start == .sharedMemory)
        #expect(p.steps == [.writeOwnMap(.setgroups, "deny"), .writeOwnMap(.uidMap, "0 1000 1\n"), .writeOwnMap(.gidMap, "0 1000 1\n")])
    }

    /// Ranges need newuidmap, which writes from outside: the child waits for it, so clone3.
    @Test func mapsWrittenFromOutsideNeedAWaitingChild() throws {
        let setup = UserNamespaceSetup(
            uidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 65536)],
            gidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 65536)], denySetgroups: nil)
        let forked = try plan(as: Self.user) {
            $0.forkRequested = true
            $0.namespaces = [.user]
            $0.userNamespace = setup
        }
        #expect(forked.start == .clone3 && forked.steps == [.waitForParent])
        #expect(forked.outsideMaps?.writers == MapWriters(uid: .helper, gid: .helper))
        // In place a helper forked before unshare writes them; nothing waits on a pipe.
        let inPlace = try plan(as: Self.user) {
            $0.namespaces = [.user]
            $0.userNamespace = setup
        }
        #expect(inPlace.start == .inPlace && inPlace.steps.isEmpty && inPlace.outsideMaps != nil)
    }

    /// A privileged caller keeps no capability in the parent namespace after unshare: swclone writes from outside.
    @Test func aPrivilegedCallersRangesAreWrittenBySwclone() throws {
        let p = try plan {
            $0.namespaces = [.user]
            $0.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 10)], gidMap: [],
                denySetgroups: nil)
        }
        #expect(p.outsideMaps?.writers == MapWriters(uid: .caller, gid: nil))
    }

    // MARK: --json-status

    @Test func statusReadsTheNewNamespacesWhileTheChildWaits() throws {
        let p = try plan {
            $0.namespaces = [.net, .time]
            $0.jsonStatusFD = 3
        }
        #expect(p.jsonStatus == StatusPlan(fd: 3, readsNamespaces: true, reportsTimeNamespace: true))
        #expect(p.steps.first == .waitForParent && p.start == .clone3)
        let nothingNew = try plan { $0.jsonStatusFD = 3 }
        #expect(nothingNew.jsonStatus?.readsNamespaces == false && nothingNew.start == .sharedMemory)
    }

    // MARK: the order of the steps

    @Test func stepsRunInTheirOrder() throws {
        let p = try plan(as: Self.root.with(terminal: 0)) {
            $0.namespaces = [.pid, .mount, .uts, .net]
            $0.hostname = "h"
            $0.procMountPoint = "/proc"
            $0.root = "/srv"
            $0.uid = 5
            $0.capabilities = CapabilityRequest(add: CapabilitySet([13]))
            $0.noNewPrivileges = true
            $0.killChildSignal = SIGTERM
        }
        let caps = ResolvedCapabilities(kept: Self.everything, inheritable: CapabilitySet([13]))
        #expect(
            p.steps == [
                .parentDeath(signal: SIGTERM), .hostname("h"), .loopbackUp, .propagation(.private), .chroot("/srv"),
                .chdir("/", option: "--wd"),
                .mountProc("/proc"), .identity(Identity(uid: 5, gid: nil, groupsDenied: false, keepCapabilities: true)),
                .capabilities(caps, known: Self.everything), .noNewPrivileges, .parentDeath(signal: SIGTERM), .takeTerminal,
            ])
        #expect(p.terminal == 0)
    }

    // MARK: failing safe

    /// Armed first, so that swclone's death ends a child still waiting for it; re-armed after
    /// a change of IDs, which clears it; not twice without one.
    @Test func theParentDeathSignalIsArmedFirst() throws {
        let p = try plan {
            $0.killChildSignal = SIGKILL
            $0.namespaces = [.uts]
            $0.hostname = "h"
        }
        #expect(p.steps == [.parentDeath(signal: SIGKILL), .hostname("h")])
    }

    /// Found by `make fuzz`: with the death signal first, a child that waits for its maps (or for
    /// --json-status) still gets the sync pipe and clone3, not a child sharing swclone's memory
    /// that waited on no pipe and failed ("the launcher went away before the program was set up").
    @Test func aChildThatArmsItsDeathSignalStillWaitsForItsMaps() throws {
        let ranges = UserNamespaceSetup(
            uidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 65536)],
            gidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 65536)], denySetgroups: nil)
        let maps = try plan {
            $0.killChildSignal = SIGKILL
            $0.namespaces = [.user]
            $0.userNamespace = ranges
        }
        #expect(maps.steps == [.parentDeath(signal: SIGKILL), .waitForParent])
        #expect(maps.waitsForParent && maps.start == .clone3 && maps.outsideMaps != nil)
        let status = try plan {
            $0.killChildSignal = SIGTERM
            $0.namespaces = [.net]
            $0.jsonStatusFD = 3
        }
        #expect(status.steps == [.parentDeath(signal: SIGTERM), .waitForParent, .loopbackUp])
        #expect(status.waitsForParent && status.start == .clone3)
    }

    /// With / left as it is (shared, on most hosts), proc must not reach the caller's /proc.
    @Test func procGoesOnAPrivateMountPointWhenPropagationIsUnchanged() throws {
        let p = try plan {
            $0.namespaces = [.mount]
            $0.rootPropagation = nil
            $0.procMountPoint = "/proc"
        }
        #expect(p.steps == [.makePrivate("/proc"), .mountProc("/proc")])
    }

    /// setsid(2) refuses a process group leader: the program gets a process of its own, as with setsid(1).
    @Test func aNewSessionForAGroupLeaderNeedsAChild() throws {
        var leader = Self.root
        leader.leadsProcessGroup = true
        #expect(try plan(as: leader) { $0.newSession = true }.start == .sharedMemory)
        #expect(try plan { $0.newSession = true }.start == .inPlace)
    }

    /// As unshare: without a user namespace there is nothing to keep.
    @Test func keepCapsAloneWithoutAUserNamespaceIsNothing() throws {
        #expect(try plan(as: Self.user) { $0.capabilities = CapabilityRequest(keepAll: true) }.steps.isEmpty)
        let kept = try plan(as: Self.user) {
            $0.namespaces = [.user]
            $0.capabilities = CapabilityRequest(keepAll: true)
        }
        #expect(
            kept.steps == [
                .capabilities(
                    ResolvedCapabilities(kept: Self.everything, inheritable: Self.everything),
                    known: Self.everything)
            ])
    }

    /// /proc/PID paths from swclone's own PID numbers would name other processes.
    @Test func aForeignProcIsRefusedWhereItWouldBeUsed() throws {
        var foreign = Self.root
        foreign.procIsOurs = false
        #expect(try plan(as: foreign) { $0.namespaces = [.uts, .pid] }.start == .sharedMemory)
        let error = #expect(throws: SwcloneError.self) {
            try plan(as: foreign) {
                $0.namespaces = [.net]
                $0.namespaceFiles = [.net: "/run/n"]
            }
        }
        #expect(error?.status == ExitStatus.setupFailed && error?.message.hasPrefix("--net=/run/n needs /proc") == true)
    }

    @Test func setgroupsAllowIsCheckedAfterNewgidmap() throws {
        let p = try plan(as: Self.user) {
            $0.forkRequested = true
            $0.namespaces = [.user]
            $0.userNamespace = UserNamespaceSetup(
                uidMap: [], gidMap: [IDMapEntry(inner: 0, outer: 100_000, count: 10)],
                denySetgroups: false)
        }
        #expect(p.steps == [.waitForParent, .checkSetgroupsAllowed])
    }

    @Test func theTerminalGoesToAChildWithoutANewSession() throws {
        let facts = Self.root.with(terminal: 0)
        #expect(try plan(as: facts) { $0.namespaces = [.uts] }.terminal == nil)  // in place: it is already swclone's
        let session = try plan(as: facts) {
            $0.forkRequested = true
            $0.newSession = true
        }
        #expect(session.terminal == nil && session.steps == [.newSession])
    }

    @Test func propagationOnlyWithANewMountNamespace() throws {
        #expect(try plan { $0.namespaces = [.uts] }.steps == [])
        #expect(
            try plan {
                $0.namespaces = [.mount]
                $0.rootPropagation = nil
            }.steps == [])
    }

    // MARK: capabilities

    @Test func aNewUserNamespaceHoldsEveryCapability() throws {
        let p = try plan(as: Self.user) {
            $0.namespaces = [.user]
            $0.capabilities = CapabilityRequest(add: CapabilitySet([21]))
        }
        #expect(
            p.steps.contains(
                .capabilities(
                    ResolvedCapabilities(kept: Self.everything, inheritable: CapabilitySet([21])),
                    known: Self.everything)))
    }

    @Test func nobodyGainsACapability() {
        let error = #expect(throws: SwcloneError.self) {
            try plan(as: Self.user) { $0.capabilities = CapabilityRequest(add: CapabilitySet([21])) }
        }
        #expect(error?.status == ExitStatus.setupFailed && error?.message.hasPrefix("--cap-add cap_sys_admin") == true)
    }

    // MARK: --set-tid against the system

    @Test func setTIDIsCheckedAgainstPIDMaxAndTheLevels() {
        let facts = Self.root.with(pidMax: 32768, levels: PIDNamespaceLevels(visible: 1, exact: true))
        #expect(
            throws: SwcloneError.usage(
                "--set-tid 32768: PID 32768 is out of range: PIDs go from 1 to 32767 (/proc/sys/kernel/pid_max is 32768)")
        ) {
            try plan(as: facts) { $0.setTID = [32768] }
        }
        let tooMany = #expect(throws: SwcloneError.self) { try plan(as: facts) { $0.setTID = [1, 2] } }
        #expect(tooMany?.message == "--set-tid 1,2: 2 PIDs for 1 PID namespace level (the caller's): one PID per level, innermost first")
        #expect(throws: Never.self) {
            try plan(as: facts) {
                $0.namespaces = [.pid]
                $0.setTID = [1, 2]
            }
        }
    }

    /// A /proc of an inner PID namespace hides outer levels, and a joined one's depth is the target's: the kernel decides.
    @Test func levelsUnknownAreLeftToTheKernel() {
        let hidden = Self.root.with(pidMax: 32768, levels: PIDNamespaceLevels(visible: 1, exact: false))
        #expect(throws: Never.self) { try plan(as: hidden) { $0.setTID = [5, 6, 7] } }
    }

    // MARK: swclone enter

    func join(_ change: @escaping (inout NamespaceJoin) -> Void) -> (inout LaunchSpec) -> Void {
        { spec in
            var join = NamespaceJoin()
            join.target = 42
            change(&join)
            spec.join = join
        }
    }

    @Test func allSkipsWhatIsAlreadyShared() throws {
        let target = TargetFacts(shared: [.user, .cgroup, .time, .ipc])
        let p = try plan(target: target, join { $0.all = true })
        #expect(p.join?.fromTarget == [.pid, .mount, .uts, .net])
        // Joining a PID namespace creates the program inside it.
        #expect(p.start == .sharedMemory)
    }

    @Test func aJoinedUserNamespaceMeansRootThereUnlessCredentialsArePreserved() throws {
        let p = try plan(join { $0.fromTarget = [.user, .mount] })
        #expect(p.join?.dropsCredentials == true && p.start == .inPlace)
        #expect(p.steps == [.identity(Identity(uid: 0, gid: 0, groupsDenied: false, keepCapabilities: false))])
        let kept = try plan(
            join {
                $0.fromTarget = [.user]
                $0.preserveCredentials = true
            })
        #expect(kept.steps.isEmpty)
    }

    @Test func followTakesTheTargetsOwner() throws {
        let p = try plan(
            target: TargetFacts(ownerUID: 7, ownerGID: 8),
            join {
                $0.fromTarget = [.uts]
                $0.followUID = true
                $0.followGID = true
            })
        #expect(p.steps == [.identity(Identity(uid: 7, gid: 8, groupsDenied: false, keepCapabilities: false))])
    }

    @Test func theTargetsEnvironmentAndItsPath() throws {
        let target = TargetFacts(environment: ["PATH=/opt/bin", "A=1"])
        let p = try plan(
            target: target,
            join {
                $0.fromTarget = [.uts]
                $0.targetEnvironment = true
            })
        #expect(p.program.environment == ["PATH=/opt/bin", "A=1"] && p.program.candidates == ["/opt/bin/true"])
    }

    @Test func joinedCgroupAndNoFork() throws {
        let target = TargetFacts(cgroupDirectory: "/sys/fs/cgroup/job")
        let p = try plan(
            target: target,
            join {
                $0.fromTarget = [.pid]
                $0.joinCgroup = true
            })
        #expect(p.cgroup == .target("/sys/fs/cgroup/job") && p.start == .clone3)
        let inPlace = try plan(
            target: target,
            join {
                $0.fromTarget = [.pid]
                $0.noFork = true
            })
        #expect(inPlace.start == .inPlace)
    }
}

extension ProcessFacts {
    func with(terminal: Int32? = nil, pidMax: Int? = nil, levels: PIDNamespaceLevels? = nil) -> ProcessFacts {
        var facts = self
        if let terminal { facts.foregroundTerminal = terminal }
        if let pidMax { facts.pidMax = pidMax }
        if let levels { facts.pidLevels = levels }
        return facts
    }
}
