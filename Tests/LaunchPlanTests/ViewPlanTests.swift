import LaunchPlan
import LaunchSpec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The filesystem view's decisions: namespaces it brings, its steps, and Landlock.
struct ViewPlanTests {
    static let everything = CapabilitySet.all(count: 41)
    static let root = ProcessFacts(pid: 100, uid: 0, gid: 0, effective: everything, permitted: everything, known: everything)
    static let user = ProcessFacts(pid: 100, uid: 1000, gid: 1001, effective: [], permitted: [], known: everything)

    static func bind(_ source: String, _ dest: String, _ access: BindAccess = .readOnly) -> ViewOperation {
        ViewOperation(.bind(source: source, access: access, optional: false), destination: dest, option: "--bind \(source) \(dest)")
    }
    static let tmpfs = ViewOperation(.tmpfs(mode: 0o755, size: nil), destination: "/tmp", option: "--tmpfs /tmp")
    static let proc = ViewOperation(.proc, destination: "/proc", option: "--proc /proc")

    func plan(_ facts: ProcessFacts, _ change: (inout LaunchSpec) -> Void) throws -> LaunchPlan {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/usr/bin/true"], environment: nil)
        change(&spec)
        return try LaunchPlan(spec: spec, facts: facts)
    }

    @Test func aViewBuildsARootInAMountNamespace() throws {
        var facts = Self.root
        facts.workingDirectory = "/src"
        facts.home = "/root"
        let p = try plan(facts) { $0.view.operations = [Self.bind("/", "/"), Self.tmpfs] }
        #expect(p.namespaceFlags == [.mount] && p.start == .inPlace)
        #expect(
            p.steps == [
                .propagation(.private), .viewBegin(scratch: "/tmp"), .view(Self.bind("/", "/"), newInstance: false),
                .view(Self.tmpfs, newInstance: false), .viewFinish, .chdirFirst(["/src", "/root", "/"], setsPWD: false),
            ])
    }

    /// As bubblewrap: an unprivileged caller gets a user namespace with its own IDs.
    @Test func anUnprivilegedCallerGetsAUserNamespace() throws {
        let p = try plan(Self.user) { $0.view.operations = [Self.bind("/", "/")] }
        #expect(p.namespaceFlags == [.mount, .user])
        #expect(
            Array(p.steps.prefix(3)) == [
                .writeOwnMap(.setgroups, "deny"), .writeOwnMap(.uidMap, "1000 1000 1\n"),
                .writeOwnMap(.gidMap, "1001 1001 1\n"),
            ])
        // A map option of the command line wins.
        let mapped = try plan(Self.user) {
            $0.view.operations = [Self.bind("/", "/")]
            $0.namespaces = [.user]
            $0.userNamespace = UserNamespaceSetup(uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], gidMap: [], denySetgroups: nil)
        }
        #expect(mapped.steps.first == .writeOwnMap(.uidMap, "0 1000 1\n"))
    }

    /// --user without a map option: nothing could be made in the new root with no ID mapped.
    @Test func userWithoutAMapGetsTheCallersIDs() throws {
        for facts in [Self.root, Self.user] {
            let p = try plan(facts) {
                $0.view.operations = [Self.bind("/", "/")]
                $0.namespaces = [.user]
            }
            #expect(p.steps.contains(.writeOwnMap(.uidMap, "\(facts.uid) \(facts.uid) 1\n")), "\(p.steps)")
        }
        // Without a view, --user stays unmapped, as unshare's.
        let bare = try plan(Self.root) { $0.namespaces = [.user] }
        #expect(!bare.steps.contains { if case .writeOwnMap = $0 { true } else { false } })
    }

    @Test func procIsNewWithANewPIDNamespace() throws {
        let p = try plan(Self.root) {
            $0.namespaces = [.pid]
            $0.view.operations = [Self.proc]
        }
        #expect(p.steps.contains(.view(Self.proc, newInstance: true)))
    }

    @Test func chdirWithAView() throws {
        let p = try plan(Self.root) {
            $0.view.operations = [Self.tmpfs]
            $0.workingDirectory = "/tmp"
            $0.workingDirectoryOption = "--chdir"
        }
        #expect(p.steps.last == .chdir("/tmp", option: "--chdir"))
    }

    @Test func disablingUserNamespacesNestsOne() throws {
        let p = try plan(Self.root) {
            $0.view.operations = [Self.bind("/", "/")]
            $0.view.disableUserNamespaces = true
        }
        #expect(p.namespaceFlags == [.mount, .user])
        #expect(p.steps.contains(.limitUserNamespaces))
        let nest = try #require(p.steps.firstIndex(of: .nestUserNamespace(uid: 0, gid: 0)))
        #expect(p.steps[nest + 1] == .assertUserNamespacesDisabled)
        #expect(try #require(p.steps.firstIndex(of: .viewFinish)) < nest)
    }

    // MARK: Landlock

    @Test func landlockRulesFollowTheGrants() throws {
        var facts = Self.root
        facts.landlockABI = 3
        let p = try plan(facts) {
            $0.view.operations = [Self.bind("/", "/"), Self.bind("/ws", "/ws", .readWrite), Self.tmpfs, Self.proc]
            $0.view.landlock = true
        }
        let all = LandlockRights.handled(abi: 3)
        #expect(!all.contains(.ioctlDev) && all.contains(.truncate))
        #expect(
            p.steps.contains(
                .landlock(
                    LandlockRules(
                        handled: all,
                        rules: [
                            .init(path: "/", access: .readOnly), .init(path: "/ws", access: all), .init(path: "/tmp", access: all),
                            .init(path: "/proc", access: LandlockRights.readOnly.union(.writeFile)),
                        ]))))
    }

    @Test func landlockNeedsTheKernels() {
        let error = #expect(throws: SwcloneError.self) {
            try plan(Self.root) { $0.view.landlock = true }
        }
        #expect(error?.status == ExitStatus.setupFailed && error?.message.hasPrefix("--landlock: this kernel offers no Landlock") == true)
    }

    /// No CAP_SYS_ADMIN and no user namespace allowed: no mount at all, Landlock alone.
    @Test func landlockAloneWhereNoMountIsPossible() throws {
        var facts = Self.user
        facts.landlockABI = 5
        facts.userNamespacesAllowed = false
        let p = try plan(facts) {
            $0.view.operations = [Self.bind("/usr/", "/usr"), Self.bind("/ws", "/ws", .readWrite)]
            $0.view.landlock = true
        }
        #expect(p.namespaceFlags.isEmpty && p.start == .inPlace)
        #expect(
            p.steps == [
                .landlock(
                    LandlockRules(
                        handled: .handled(abi: 5),
                        rules: [
                            .init(path: "/usr", access: .readOnly),
                            .init(path: "/ws", access: .handled(abi: 5)),
                        ]))
            ])
        let error = #expect(throws: SwcloneError.self) {
            try plan(facts) {
                $0.view.operations = [Self.bind("/", "/"), Self.tmpfs]
                $0.view.landlock = true
            }
        }
        #expect(error?.message.hasPrefix("--tmpfs /tmp: no mount is possible here") == true)
        #expect(throws: SwcloneError.self) {
            try plan(facts) {
                $0.view.operations = [Self.bind("/home/me/src", "/src")]
                $0.view.landlock = true
            }
        }
    }
}
