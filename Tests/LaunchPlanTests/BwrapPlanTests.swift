import LaunchPlan
import LaunchSpec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What bubblewrap's defaults and its own options decide in the plan.
struct BwrapPlanTests {
    static let everything = CapabilitySet.all(count: 41)
    static let root = ProcessFacts(pid: 100, uid: 0, gid: 0, effective: everything, permitted: everything, known: everything)
    static let user = ProcessFacts(pid: 100, uid: 1000, gid: 1001, effective: [], permitted: [], known: everything)

    func plan(_ facts: ProcessFacts, _ change: (inout BubblewrapSettings, inout LaunchSpec) -> Void) throws -> LaunchPlan {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/usr/bin/true"], environment: ["PWD=/old"])
        var b = BubblewrapSettings()
        b.defaults = true
        change(&b, &spec)
        spec.bwrap = b
        return try LaunchPlan(spec: spec, facts: facts)
    }

    /// Nothing granted is still a new (empty) root, in a child, in a mount namespace.
    @Test func alwaysANewRootInAChild() throws {
        let p = try plan(Self.root) { _, _ in }
        #expect(p.namespaceFlags == [.mount] && p.start != .inPlace)
        #expect(p.steps.contains(.viewFinish) && p.steps.contains(.chdirFirst(["/"], setsPWD: true)))
    }

    @Test func anUnprivilegedCallerGetsAUserNamespace() throws {
        #expect(try plan(Self.user) { _, _ in }.namespaceFlags == [.mount, .user])
    }

    /// The -try forms ask the host first.
    @Test func tryForms() throws {
        var facts = Self.root
        #expect(
            try plan(facts) { b, _ in
                b.userTry = true
                b.cgroupTry = true
            }.namespaceFlags == [.mount, .user, .cgroup])
        facts.userNamespacesAllowed = false
        facts.cgroupNamespaces = false
        #expect(
            try plan(facts) { b, _ in
                b.userTry = true
                b.cgroupTry = true
            }.namespaceFlags == [.mount])
    }

    /// --userns-block-fd: the maps are someone else's to write; the sandbox waits first.
    @Test func usernsBlockFD() throws {
        let p = try plan(Self.user) { b, spec in
            b.userNamespaceBlockFD = 7
            b.infoFD = 8
            spec.namespaces = [.user]
            spec.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], gidMap: [IDMapEntry(inner: 0, outer: 1001, count: 1)],
                denySetgroups: true)
        }
        // The child first waits for --info-fd to be written, then for whoever read it.
        #expect(Array(p.steps.prefix(2)) == [.waitForParent, .waitOnDescriptor(7, option: "--userns-block-fd")])
        #expect(p.outsideMaps == nil)
        #expect(!p.steps.contains { if case .writeOwnMap = $0 { true } else { false } })
        #expect(p.start == .clone3)
    }

    /// --block-fd waits last, once the sandbox is set up; --userns2 switches after the mounts.
    @Test func blockFDAndUserns2() throws {
        let p = try plan(Self.root) { b, _ in
            b.blockFD = 5
            b.userNamespace2FD = 6
        }
        let finish = try #require(p.steps.firstIndex(of: .viewFinish))
        let join = try #require(p.steps.firstIndex(of: .joinUserNamespace(6)))
        let block = try #require(p.steps.firstIndex(of: .waitOnDescriptor(5, option: "--block-fd")))
        #expect(finish < join && join < block)
    }

    /// --pidns with --unshare-pid: the child makes the new namespace under the given one, first.
    @Test func nestedPIDNamespace() throws {
        let p = try plan(Self.root) { b, spec in
            b.pidNamespaceFD = 6
            spec.namespaces = [.pid]
            spec.runsInit = true
        }
        #expect(!p.namespaceFlags.contains(.pid) && p.steps.first == .nestPIDNamespace && p.runsInit)
        #expect(try plan(Self.root) { b, _ in b.pidNamespaceFD = 6 }.steps.contains(.nestPIDNamespace) == false)
    }

    /// A reaper holds the locks, even without a PID namespace.
    @Test func lockFiles() throws {
        let p = try plan(Self.root) { b, _ in b.lockFiles = ["/run/a"] }
        #expect(p.runsInit && p.start == .clone3)
        let finish = try #require(p.steps.firstIndex(of: .viewFinish))
        #expect(p.steps[finish + 1] == .lockFile("/run/a"))
    }

    /// --argv0 names the program; PWD names where it starts.
    @Test func argv0AndPWD() throws {
        let p = try plan(Self.root) { b, spec in
            b.argv0 = "shown"
            spec.workingDirectory = "/src"
        }
        #expect(p.program.argv == ["shown"] && p.program.candidates == ["/usr/bin/true"])
        #expect(p.program.environment == ["PWD=/src"])
    }
}
