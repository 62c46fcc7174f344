import CShim
import Glibc
import LaunchPlan
import LaunchSpec
import Testing

@testable import CloneCore

/// Every failure the child can report becomes one line naming the step and
/// its value, with the exit status of the one C rule (sw_exit_status).
struct StepFailureTests {
    static let everything = CapabilitySet.all(count: knownCapabilityCount())

    /// A launch with a step of every kind, so each failure finds its context.
    static let plan: LaunchPlan = {
        var spec = LaunchSpec(argv: ["prog"], executableCandidates: ["/bin/prog"], environment: nil)
        spec.namespaces = [.user, .mount, .uts, .net, .time, .pid]
        spec.namespaceFiles = [.net: "/run/ns/net"]
        spec.userNamespace = UserNamespaceSetup(
            uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)],
            gidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], denySetgroups: true)
        spec.monotonicOffset = 7
        spec.hostname = "box"
        spec.root = "/srv"
        spec.workingDirectory = "/w"
        spec.procMountPoint = "/proc"
        spec.uid = 5
        spec.gid = 6
        spec.capabilities = CapabilityRequest(drop: CapabilitySet([13]), add: CapabilitySet([12]))
        spec.noNewPrivileges = true
        spec.newSession = true
        spec.killChildSignal = SIGKILL
        spec.view.operations = [
            ViewOperation(
                .bind(source: "/usr", access: .readOnly, optional: false), destination: "/usr",
                option: "--ro-bind /usr /usr")
        ]
        spec.view.landlock = true
        spec.view.disableUserNamespaces = true
        spec.seccompDescriptors = [SeccompDescriptor(fd: 3, option: "--seccomp 3")]
        var limits = Limits()
        limits.pidsMax = 8
        limits.resourceLimits = [try! parseResourceLimit("nofile=64")]
        spec.limits = limits
        var facts = ProcessFacts(pid: 1, uid: 1000, gid: 1000, effective: [], permitted: [], known: everything)
        facts.landlockABI = 3
        facts.cgroups = CgroupFacts(
            v2: CgroupHierarchy(version2: true, parent: "/cg", controllers: []),
            v1: [CgroupHierarchy(version2: false, parent: "/cg1/pids", controllers: .pids)])
        return try! LaunchPlan(spec: spec, facts: facts)
    }()

    func failure(_ step: sw_step, _ err: Int32 = EPERM) -> SwcloneError {
        let index = Self.plan.steps.firstIndex { stepMatches($0, step) } ?? 0
        return describe(failureRecord(step, err, index: Int32(index)), plan: Self.plan)
    }

    /// The plan step a failure of `step` comes from.
    func stepMatches(_ planned: SetupStep, _ step: sw_step) -> Bool {
        switch (planned, step) {
        case (.writeOwnMap(.setgroups, _), .setgroupsFile), (.writeOwnMap(.uidMap, _), .uidMap),
            (.writeOwnMap(.gidMap, _), .gidMap), (.newTimeNamespace, .timeOffsets), (.chdir, .chdir),
            (.identity, .setuid), (.identity, .setgid), (.joinCgroup, .joinCgroup), (.resourceLimit, .resourceLimit),
            (.view, .viewSource), (.view, .viewCreate), (.view, .viewMount), (.view, .viewReadOnly), (.view, .viewWrite),
            (.seccomp, .seccomp):
            return true
        default:
            return false
        }
    }

    /// The start of each step's line. A switch, so that a new step does not compile without one.
    static func expected(_ step: sw_step) -> String {
        switch step {
        case .none: "set-up step"
        case .unshare: "cannot create namespaces (user, pid, mount, uts, net): Operation not permitted (EPERM)"
        case .waitParent: "the launcher went away before the program was set up"
        case .joinCgroup: "--pids-max 8: cannot enter /cg1/pids/swclone-1 (its tasks file): Operation not permitted (EPERM)"
        case .mapHelper: "cannot start the helper that writes the ID maps: Operation not permitted (EPERM)"
        case .setgroupsFile: "cannot write 'deny' to /proc/self/setgroups: Operation not permitted (EPERM)"
        case .uidMap: "cannot write '0 1000 1' to /proc/self/uid_map: Operation not permitted (EPERM)"
        case .gidMap: "cannot write '0 1000 1' to /proc/self/gid_map: Operation not permitted (EPERM)"
        case .setgroupsCheck: "--setgroups allow: setgroups(2) is still denied in the new user namespace"
        case .timeUnshare: "cannot create a time namespace: Operation not permitted (EPERM)"
        case .timeOffsets: "cannot set time namespace offsets 'monotonic 7 0': Operation not permitted (EPERM)"
        case .timeEnter: "cannot enter the new time namespace: Operation not permitted (EPERM)"
        case .keepNamespace: "--net=/run/ns/net: cannot bind-mount the namespace on it: Operation not permitted (EPERM)"
        case .hostname: "--hostname box: cannot set the hostname: Operation not permitted (EPERM)"
        case .loopback: "cannot bring up loopback in the new network namespace: Operation not permitted (EPERM)"
        case .propagation: "--propagation private: cannot change the propagation of /: Operation not permitted (EPERM)"
        case .chroot: "--root /srv: cannot change root: Operation not permitted (EPERM)"
        case .chdir: "--wd /w: cannot change directory: Operation not permitted (EPERM)"
        case .mountProc: "cannot mount proc on /proc: Operation not permitted (EPERM)"
        case .makePrivate: "--mount-proc with --propagation unchanged: cannot make /proc private first"
        case .resourceLimit:
            "--rlimit nofile=64: cannot set the nofile limit: Operation not permitted (EPERM); raising a hard limit needs CAP_SYS_RESOURCE"
        case .keepCaps: "cannot keep capabilities across the user ID change (PR_SET_KEEPCAPS): Operation not permitted (EPERM)"
        case .setgroups: "cannot drop supplementary groups: Operation not permitted (EPERM)"
        case .setgid: "--setgid 6: cannot set the group ID: Operation not permitted (EPERM)"
        case .setuid: "--setuid 5: cannot set the user ID: Operation not permitted (EPERM)"
        case .identityCheck: "the user ID, group ID or supplementary groups read back differ from the request"
        case .capBounding:
            "--cap-drop cap_net_raw --cap-add cap_net_admin: cannot remove capabilities from the bounding set: Operation not permitted (EPERM); that needs CAP_SETPCAP"
        case .capSets: "--cap-drop cap_net_raw --cap-add cap_net_admin: cannot set the capability sets: Operation not permitted (EPERM)"
        case .capAmbient:
            "--cap-drop cap_net_raw --cap-add cap_net_admin: cannot set the ambient capabilities: Operation not permitted (EPERM)"
        case .capCheck: "--cap-drop cap_net_raw --cap-add cap_net_admin: the capability sets read back differ from the request"
        case .noNewPrivs: "--no-new-privs: Operation not permitted (EPERM)"
        case .setsid: "--new-session: cannot start a session: Operation not permitted (EPERM)"
        case .parentDeath: "--kill-child: Operation not permitted (EPERM)"
        case .terminal: "cannot give the program the terminal's foreground: Operation not permitted (EPERM)"
        case .processGroup: "--timeout: cannot give the program a process group of its own: Operation not permitted (EPERM)"
        case .initProcess: "--init: cannot start the program under the init: Operation not permitted (EPERM)"
        case .owner: "--owner : cannot take these IDs to create the user namespace: Operation not permitted (EPERM)"
        case .exec: "cannot execute prog: Operation not permitted (EPERM)"
        case .viewRoot: "cannot build the new root (a tmpfs over /tmp of the old root, then pivot_root): Operation not permitted (EPERM)"
        case .viewSource: "--ro-bind /usr /usr: cannot use the source: Operation not permitted (EPERM)"
        case .viewCreate: "--ro-bind /usr /usr: cannot create /usr in the new root: Operation not permitted (EPERM)"
        case .viewMount: "--ro-bind /usr /usr: cannot mount on /usr: Operation not permitted (EPERM)"
        case .viewReadOnly: "--ro-bind /usr /usr: cannot make /usr and every mount under it read-only: Operation not permitted (EPERM)"
        case .viewWrite: "--ro-bind /usr /usr: cannot write /usr: Operation not permitted (EPERM)"
        case .landlock: "--landlock: cannot restrict the program to the view: Operation not permitted (EPERM)"
        case .userNamespaceLimit: "--disable-userns: cannot set user.max_user_namespaces"
        case .userNamespaceNest: "--disable-userns: cannot create the nested user namespace: Operation not permitted (EPERM)"
        case .userNamespaceAssert: "--assert-userns-disabled: the program could still create user namespaces"
        case .lockFile: "--lock-file: Operation not permitted (EPERM)"
        case .waitDescriptor: "cannot wait on the descriptor: Operation not permitted (EPERM)"
        case .userNamespaceJoin: "--userns2: cannot join the user namespace: Operation not permitted (EPERM)"
        case .pidNamespaceNest: "--pidns with --unshare-pid: cannot create a PID namespace under the given one"
        case .seccomp: "--seccomp 3: cannot load the seccomp filter: Operation not permitted (EPERM)"
        }
    }

    static let steps: [sw_step] = [
        .none, .unshare, .waitParent, .joinCgroup, .mapHelper, .setgroupsFile, .uidMap, .gidMap, .setgroupsCheck, .timeUnshare,
        .timeOffsets, .timeEnter, .keepNamespace, .hostname, .loopback, .propagation, .chroot, .chdir, .mountProc, .makePrivate,
        .resourceLimit, .keepCaps, .setgroups, .setgid, .setuid, .identityCheck, .capBounding, .capSets, .capAmbient, .capCheck,
        .noNewPrivs, .setsid, .parentDeath, .terminal, .processGroup, .initProcess, .exec, .viewRoot, .viewSource, .viewCreate,
        .viewMount, .viewReadOnly, .viewWrite, .landlock, .userNamespaceLimit, .userNamespaceNest, .userNamespaceAssert, .lockFile,
        .waitDescriptor, .userNamespaceJoin,
        .pidNamespaceNest, .seccomp, .owner,
    ]

    @Test func everyStepHasItsLine() {
        for step in Self.steps {
            let error = failure(step)
            #expect(error.message.hasPrefix(Self.expected(step)), "\(step): \(error.message)")
            #expect(!error.message.contains("\n"))
            #expect(error.status == (step == .exec ? 126 : 125), "\(step)")
        }
        // Raw values run from 0 without gaps: the list above is every step.
        #expect(Self.steps.map(\.rawValue).sorted() == Array(0..<Int32(Self.steps.count)))
    }

    @Test func ownerNamesItsIDs() throws {
        var spec = LaunchSpec(argv: ["prog"], executableCandidates: ["/bin/prog"], environment: nil)
        spec.namespaces = [.user]
        spec.owner = NamespaceOwner(uid: 7, gid: 8)
        let plan = try LaunchPlan(spec: spec, facts: ProcessFacts(pid: 1, uid: 0, gid: 0, effective: [], permitted: [], known: []))
        #expect(
            describe(failureRecord(.owner, EPERM), plan: plan).message
                == "--owner 7:8: cannot take these IDs to create the user namespace: Operation not permitted (EPERM)")
    }

    @Test func exitStatusesOfTheExec() {
        #expect(failure(.exec, ENOENT).status == 127)
        #expect(failure(.exec, EACCES).status == 126)
        #expect(failure(.exec, ENOEXEC).status == 126)
        #expect(sw_exit_status(failureRecord(.hostname, ENOENT)) == 125)
    }

    @Test func aDeadLauncherIsNamedForKillChild() {
        #expect(failure(.parentDeath, ESRCH).message == "--kill-child: swclone died before the program started")
    }

    @Test func bubblewrapsWordsForAWorkingDirectory() {
        #expect(failure(.chdir, ENOENT).bwrapMessage == "Can't chdir to /w: No such file or directory")
        #expect(failure(.hostname).bwrapMessage == nil)
    }

    /// The kernel's refusals that its errno alone does not explain.
    @Test func aRefusedFilterSaysWhy() {
        #expect(
            failure(.seccomp, EINVAL).message.hasSuffix(
                "Invalid argument (EINVAL); the kernel refused the program (an invalid instruction or jump, or a kernel without CONFIG_SECCOMP_FILTER)"
            ))
        #expect(
            failure(.seccomp, ENOMEM).message.hasSuffix("the filters together may have at most 32768 instructions (4 more for each filter)")
        )
    }

    /// A link in the way is named, in swclone's words and in bubblewrap's.
    @Test func anExistingLinkIsNamed() throws {
        var spec = LaunchSpec(argv: ["prog"], executableCandidates: ["/bin/prog"], environment: nil)
        spec.view.operations = [
            ViewOperation(.symlink(target: "/dev/full"), destination: "/w/link", option: "--symlink /dev/full /w/link")
        ]
        let facts = ProcessFacts(pid: 1, uid: 0, gid: 0, effective: Self.everything, permitted: Self.everything, known: Self.everything)
        let plan = try LaunchPlan(spec: spec, facts: facts)
        let index = try #require(plan.steps.firstIndex { if case .view = $0 { true } else { false } })
        var record = failureRecord(.viewCreate, EEXIST, index: Int32(index))
        withUnsafeMutableBytes(of: &record.detail) { raw in
            for (i, byte) in "/dev/null".utf8.enumerated() { raw[i] = byte }
        }
        let error = describe(record, plan: plan)
        #expect(error.message == "--symlink /dev/full /w/link: /w/link exists and links to /dev/null: File exists (EEXIST)")
        #expect(error.bwrapMessage == "Can't make symlink at /w/link: existing destination is /dev/null")
    }

    /// In place, what the keeper of --NS=FILE must take back: binds made before the failure.
    @Test func failuresAfterTheBinds() throws {
        let plan = Self.plan
        let keep = try #require(plan.steps.firstIndex(of: .keepNamespaces))
        let hostname = try #require(plan.steps.firstIndex(of: .hostname("box")))
        #expect(plan.failedAfterKeeping(failureRecord(.hostname, EPERM, index: Int32(hostname))))
        #expect(plan.failedAfterKeeping(failureRecord(.exec, ENOENT)))
        #expect(plan.failedAfterKeeping(failureRecord(.initProcess, EAGAIN)))
        #expect(!plan.failedAfterKeeping(failureRecord(.unshare, EPERM)))
        #expect(!plan.failedAfterKeeping(failureRecord(.timeEnter, EPERM, index: Int32(keep - 1))))
        // A failed bind's index is the kept file's, whatever the operation's: the keeper undid its own.
        #expect(!plan.failedAfterKeeping(failureRecord(.keepNamespace, ENOTDIR, index: Int32(keep + 3))))
    }

    @Test func ownMapFilesReportTheirStep() {
        #expect(
            OwnMapFile.setgroups.step == .setgroupsFile && OwnMapFile.uidMap.step == .uidMap
                && OwnMapFile.gidMap.step == .gidMap)
    }
}

/// A record as the child sends it, without detail.
func failureRecord(_ step: sw_step, _ err: Int32, index: Int32 = 0) -> sw_failure {
    var record = sw_failure()
    record.step = step
    record.err = err
    record.index = index
    return record
}
