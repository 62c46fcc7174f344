import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// Every decision about one launch, made once, from the spec and what was
/// read about the process (and, for `swclone enter`, its target): whether
/// the program gets a child and how that child is made, who writes the ID
/// maps, which channels the child waits on, and the ordered set-up steps.
/// Pure: CloneCore carries it out and nothing there decides again.
public struct LaunchPlan: Equatable, Sendable {
    /// How the program's process comes to be.
    public enum Start: Equatable, Sendable {
        /// swclone unshares and execs: the program keeps swclone's PID.
        case inPlace
        /// A child made by clone3, which swclone supervises.
        case clone3
        /// A child that shares swclone's memory until it execs (CLONE_VM | CLONE_VFORK,
        /// as posix_spawn): no page tables copied. Only for a child that needs nothing
        /// from swclone before exec and nothing clone3 alone offers but the transient
        /// cgroup's CLONE_INTO_CGROUP (then clone3 itself, on a stack of the child's own).
        case sharedMemory
    }

    /// The request, for error lines.
    public let spec: LaunchSpec
    public var start: Start
    /// New namespaces made by clone3 or unshare; a time namespace is a set-up step.
    public var namespaceFlags: Set<Namespace>
    /// Maps the new user namespace cannot write for itself: written from outside it
    /// (by swclone in fork mode, by a helper forked before unshare in place).
    public var outsideMaps: OutsideMaps?
    /// `--NS=FILE`: bound once the namespaces exist, from the caller's mount namespace.
    public var keptNamespaces: [KeptNamespace]
    public var steps: [SetupStep]
    /// --init: the child is PID 1 and forks the program.
    public var runsInit: Bool
    public var killChildSignal: Int32?
    /// The terminal whose foreground the program's group takes (fork mode).
    public var terminal: Int32?
    public var jsonStatus: StatusPlan?
    public var cgroup: CgroupChoice?
    /// --timeout, --kill-tree and the transient cgroup; nil when none is asked for.
    public var limits: LimitsPlan?
    public var setTID: [pid_t]
    public var program: ProgramPlan
    public var join: JoinPlan?

    /// The child waits on the sync pipe for swclone (after arming --kill-child's signal, if any).
    public var waitsForParent: Bool { steps.contains(.waitForParent) }

    public init(spec: LaunchSpec, facts: ProcessFacts, target: TargetFacts? = nil) throws {
        // if-let, not Optional.map: a generic call here had the runtime build metadata for JoinPlan?.
        var join: JoinPlan?
        if let request = spec.join { join = JoinPlan(request, target: target ?? TargetFacts()) }
        let viewPlan = try ViewPlan(spec, facts: facts)
        // The view adds what it needs: a mount namespace for its root, a user namespace for an unprivileged caller.
        var namespaces = spec.namespaces
        if viewPlan.buildsRoot { namespaces.insert(.mount) }
        let userNamespace = spec.userNamespace ?? viewPlan.impliedUserNamespace
        if viewPlan.impliedUserNamespace != nil { namespaces.insert(.user) }
        if spec.bwrap.cgroupTry && facts.cgroupNamespaces { namespaces.insert(.cgroup) }
        let nestsPIDNamespace = spec.bwrap.pidNamespaceFD != nil && namespaces.contains(.pid)
        let namespaceFlags = namespaces.subtracting(nestsPIDNamespace ? [.time, .pid] : [.time])
        // Sorted only when there are files: the sorted array's type costs the runtime an instantiation.
        let keptNamespaces =
            spec.namespaceFiles.isEmpty
            ? []
            : spec.namespaceFiles.sorted { $0.key < $1.key }.map { KeptNamespace(namespace: $0.key, path: $0.value) }
        var cgroup: CgroupChoice?
        if let dir = spec.intoCgroup {
            cgroup = .into(dir)
        } else if spec.join?.joinCgroup == true, let dir = target?.cgroupDirectory {
            cgroup = .target(dir)
        }

        // A reaper holds --lock-file's locks, as in bubblewrap, with or without a PID namespace.
        let runsInit = spec.runsInit || !spec.bwrap.lockFiles.isEmpty
        let joinsPID = join?.joined.contains(.pid) ?? false
        if !spec.setTID.isEmpty {
            try checkSetTID(
                spec.setTID, newPIDNamespace: namespaces.contains(.pid), pidMax: facts.pidMax,
                levels: joinsPID ? nil : facts.pidLevels)
        }
        var limits: LimitsPlan?
        if let request = spec.limits {
            limits = try LimitsPlan(
                request, newPIDNamespace: namespaces.contains(.pid), intoCgroup: spec.intoCgroup != nil, facts: facts)
        }
        // setsid(2) refuses a process group leader: as setsid(1), the program then gets a process of its own.
        let needsChild =
            limits != nil || spec.forkRequested || namespaces.contains(.pid) || spec.killChildSignal != nil
            || !spec.setTID.isEmpty || spec.intoCgroup != nil || spec.jsonStatusFD != nil || runsInit
            || (spec.join != nil && spec.join?.noFork != true && (joinsPID || spec.join?.joinCgroup == true))
            || (spec.newSession && facts.leadsProcessGroup && spec.join?.noFork != true)
            // bubblewrap's sandbox is always a child it watches.
            || spec.bwrap.defaults

        var steps: [SetupStep] = []
        if nestsPIDNamespace { steps.append(.nestPIDNamespace) }
        var outsideMaps: OutsideMaps?
        if let fd = spec.bwrap.userNamespaceBlockFD {
            // --userns-block-fd: whoever read --info-fd writes the maps; the sandbox waits for it.
            steps.append(.waitOnDescriptor(fd, option: "--userns-block-fd"))
        } else if let user = userNamespace {
            // With --owner the namespace's creator is the owner, who may not map swclone's IDs: written from outside.
            if spec.owner == nil && user.writableBySelf(uid: facts.uid, gid: facts.gid) {
                if let text = user.setgroupsText { steps.append(.writeOwnMap(.setgroups, text)) }
                if let text = user.uidMapText { steps.append(.writeOwnMap(.uidMap, text)) }
                if let text = user.gidMapText { steps.append(.writeOwnMap(.gidMap, text)) }
            } else {
                outsideMaps = OutsideMaps(
                    setup: user,
                    writers: user.writers(
                        uid: facts.uid, gid: facts.gid, canSetUID: facts.effective.contains(.setUID),
                        canSetGID: facts.effective.contains(.setGID)))
            }
        }
        let jsonStatus = spec.jsonStatusFD.map {
            StatusPlan(fd: $0, readsNamespaces: !namespaceFlags.isEmpty, reportsTimeNamespace: spec.namespaces.contains(.time))
        }
        // The namespaces are read from outside while the child waits (it could be gone, a zombie without them).
        if needsChild && (outsideMaps != nil || jsonStatus?.readsNamespaces == true || spec.bwrap.infoFD != nil) {
            steps.insert(.waitForParent, at: 0)
        }
        if outsideMaps != nil && userNamespace?.denySetgroups == false {
            steps.append(.checkSetgroupsAllowed)
        }
        if spec.namespaces.contains(.time) { steps.append(.newTimeNamespace(offsets: spec.timeOffsetsText)) }
        if !keptNamespaces.isEmpty { steps.append(.keepNamespaces) }
        if let name = spec.hostname { steps.append(.hostname(name)) }
        if spec.namespaces.contains(.net) { steps.append(.loopbackUp) }
        if namespaces.contains(.mount), let propagation = spec.rootPropagation {
            steps.append(.propagation(propagation))
        }
        if spec.view.disableUserNamespaces { steps.append(.limitUserNamespaces) }
        steps += viewPlan.steps(spec, newPIDNamespace: namespaces.contains(.pid))
        // As unshare: proc is mounted inside the new root, after chdir.
        if let root = spec.root { steps.append(.chroot(root)) }
        if let wd = spec.workingDirectory {
            steps.append(.chdir(wd, option: spec.workingDirectoryOption))
        } else if spec.root != nil {
            steps.append(.chdir("/", option: "--wd"))
        } else if viewPlan.buildsRoot {
            steps.append(.chdirFirst([facts.workingDirectory, facts.home, "/"].compactMap { $0 }, setsPWD: spec.bwrap.defaults))
        }
        if let dir = spec.procMountPoint {
            // With / left as it is (maybe shared, systemd's default), proc would be mounted on the caller's /proc too.
            if spec.rootPropagation == nil { steps.append(.makePrivate(dir)) }
            steps.append(.mountProc(dir))
        }

        if let fd = spec.bwrap.userNamespace2FD { steps.append(.joinUserNamespace(fd)) }
        // A new user namespace gives its first process every capability in it, and so does joining one.
        if spec.view.disableUserNamespaces {
            // Mounts need the sandbox's user namespace; the nested one comes after them, before the program's IDs.
            let own = userNamespace?.uidMap.first.map { $0.inner } ?? 0
            let ownGroup = userNamespace?.gidMap.first.map { $0.inner } ?? 0
            steps.append(.nestUserNamespace(uid: own, gid: ownGroup))
        }
        if spec.view.assertUserNamespacesDisabled || spec.view.disableUserNamespaces {
            steps.append(.assertUserNamespacesDisabled)
        }
        let ownsUserNamespace =
            namespaces.contains(.user) || join?.joined.contains(.user) == true || spec.bwrap.userNamespaceFD != nil
        // --keep-caps alone keeps what a user namespace grants; without one there is nothing to keep (as unshare).
        var request = spec.capabilities.flatMap { $0 == CapabilityRequest(keepAll: true) && !ownsUserNamespace ? nil : $0 }
        // bubblewrap starts root from the capabilities root holds, not from all a new user namespace grants.
        let lacking = facts.known.subtracting(facts.effective)
        if spec.bwrap.defaults && facts.uid == 0 && ownsUserNamespace && !lacking.isEmpty {
            var narrowed = request ?? CapabilityRequest()
            narrowed.drop.formUnion(lacking)
            narrowed.add.subtract(lacking)
            request = narrowed
        }
        let capabilities = try request.map { request in
            try request.resolve(held: ownsUserNamespace ? facts.known : facts.permitted.intersection(facts.known))
        }
        var uid = spec.uid, gid = spec.gid
        if let request = spec.join {
            if request.followUID { uid = target?.ownerUID }
            if request.followGID { gid = target?.ownerGID }
            // nsenter's credentials: a joined user namespace means UID and GID 0.
            if join?.dropsCredentials == true {
                uid = uid ?? 0
                gid = gid ?? 0
            }
        }
        // Before the identity and capability steps, which may take away the right to raise a hard limit.
        if let request = spec.limits {
            for limit in request.resourceLimits { steps.append(.resourceLimit(limit)) }
        }
        if uid != nil || gid != nil {
            steps.append(
                .identity(
                    Identity(
                        uid: uid, gid: gid, groupsDenied: userNamespace?.denySetgroups == true,
                        keepCapabilities: capabilities != nil && uid != nil)))
        }
        if let capabilities { steps.append(.capabilities(capabilities, known: facts.known)) }
        // Without CAP_SYS_ADMIN a process may load a seccomp filter only under no_new_privs; bubblewrap sets it always.
        let filtered = spec.seccompDefault || !spec.seccompDescriptors.isEmpty
        if spec.noNewPrivileges || filtered { steps.append(.noNewPrivileges) }
        if spec.newSession { steps.append(.newSession) }
        if let rules = viewPlan.landlock { steps.append(.landlock(rules)) }
        if let fd = spec.bwrap.blockFD { steps.append(.waitOnDescriptor(fd, option: "--block-fd")) }
        if let signal = spec.killChildSignal {
            // First, so that swclone's death ends a child still waiting for it; again after a change of
            // user or group ID, which clears it.
            steps.insert(.parentDeath(signal: signal), at: 0)
            if uid != nil || gid != nil { steps.append(.parentDeath(signal: signal)) }
        }
        // Last, so that a failed step leaves the terminal alone; a new session has no terminal.
        var terminal: Int32?
        if needsChild, !spec.newSession, let tty = facts.foregroundTerminal {
            terminal = tty
            steps.append(.takeTerminal)
        }
        // A process group to kill whole; taking the terminal and a new session make one already.
        if let limits, limits.treeKill == .processGroup, !spec.newSession, terminal == nil { steps.append(.newProcessGroup) }
        // Last of all: a filter may refuse what any step before needs (mounts, identity and capability
        // changes, the terminal). The default one first, so that the caller's, later in the kernel's list
        // of filters, give their own errno where both refuse a call.
        if filtered {
            if spec.seccompDefault { steps.append(.seccomp(.standard(refusesAttach: !namespaces.contains(.pid)))) }
            for descriptor in spec.seccompDescriptors { steps.append(.seccomp(.descriptor(descriptor))) }
        }
        // First of all: a cgroup v1 hierarchy has no CLONE_INTO_CGROUP, so the child moves itself
        // before anything else runs (see SetupStep.joinCgroup).
        if let transient = limits?.cgroup {
            for placement in transient.v1.reversed() { steps.insert(.joinCgroup(placement.directory), at: 0) }
        }

        if !facts.procIsOurs, let user = Self.procUser(spec, outsideMaps: outsideMaps, steps: steps) {
            throw SwcloneError.setup(
                "\(user) needs /proc, and this /proc belongs to another PID namespace (its PIDs "
                    + "are not swclone's); mount a proc for swclone's own, e.g. in a new mount namespace")
        }

        if !needsChild {
            start = .inPlace
        } else if steps.contains(.waitForParent) || !keptNamespaces.isEmpty || runsInit || spec.bwrap.infoFD != nil
            || namespaces.contains(.time) || !spec.setTID.isEmpty || cgroup != nil
        {
            // The child waits for swclone, or needs what only clone3 does; the kernel
            // refuses a time namespace to a process that shares its memory.
            start = .clone3
        } else {
            start = .sharedMemory
        }
        self.spec = spec
        self.namespaceFlags = namespaceFlags
        self.outsideMaps = outsideMaps
        self.keptNamespaces = keptNamespaces
        self.steps = steps
        self.terminal = terminal
        self.jsonStatus = jsonStatus
        self.cgroup = cgroup
        self.limits = limits
        self.join = join
        self.runsInit = runsInit
        killChildSignal = spec.killChildSignal
        setTID = spec.setTID
        program = ProgramPlan(spec: spec, join: spec.join, target: target)
    }
}

extension LaunchPlan {
    /// The first option whose step reads or writes a /proc/PID or /proc/self file, or nil.
    static func procUser(_ spec: LaunchSpec, outsideMaps: OutsideMaps?, steps: [SetupStep]) -> String? {
        if let kept = spec.namespaceFiles.sorted(by: { $0.key < $1.key }).first { return "\(kept.key.option)=\(kept.value)" }
        if outsideMaps != nil || steps.contains(where: { if case .writeOwnMap = $0 { true } else { false } }) {
            return "writing the ID maps"
        }
        if spec.namespaces.contains(.time) { return "--time" }
        if spec.jsonStatusFD != nil && !spec.namespaces.isEmpty { return "--json-status" }
        if let target = spec.join?.target { return "--target \(target)" }
        return nil
    }
}

/// Maps written from the parent user namespace, and by whom.
public struct OutsideMaps: Equatable, Sendable {
    public var setup: UserNamespaceSetup
    public var writers: MapWriters
}

/// A namespace kept in a file (`--uts=FILE`).
public struct KeptNamespace: Equatable, Sendable {
    public var namespace: Namespace
    public var path: String
}

/// --json-status: what the first line reports.
public struct StatusPlan: Equatable, Sendable {
    public var fd: Int32
    /// The new namespaces' inodes are read while the child waits.
    public var readsNamespaces: Bool
    /// The child reports its time namespace's inode (only it can, once it made it).
    public var reportsTimeNamespace: Bool

    public init(fd: Int32, readsNamespaces: Bool, reportsTimeNamespace: Bool) {
        self.fd = fd
        self.readsNamespaces = readsNamespaces
        self.reportsTimeNamespace = reportsTimeNamespace
    }
}

/// The cgroup v2 directory the child starts in (CLONE_INTO_CGROUP).
public enum CgroupChoice: Equatable, Sendable {
    /// --into-cgroup DIR.
    case into(String)
    /// swclone enter --join-cgroup: the target's.
    case target(String)

    public var path: String {
        switch self {
        case .into(let dir), .target(let dir): dir
        }
    }
}

/// What is executed, and with which environment (nil: swclone's own, untouched).
public struct ProgramPlan: Equatable, Sendable {
    public var argv: [String]
    public var candidates: [String]
    public var environment: [String]?

    init(spec: LaunchSpec, join: NamespaceJoin?, target: TargetFacts?) {
        argv = spec.argv
        // --argv0: what the program sees as its name; the search still goes by its real one.
        if let name = spec.bwrap.argv0 { argv[0] = name }
        candidates = spec.executableCandidates
        environment = spec.environment
        // bubblewrap sets PWD to the directory the program starts in.
        if spec.bwrap.defaults, let dir = spec.workingDirectory, let env = environment {
            environment = env.filter { !$0.hasPrefix("PWD=") } + ["PWD=" + dir]
        }
        if join?.targetEnvironment == true, let env = target?.environment {
            environment = env
            func value(_ name: String) -> String? {
                env.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.utf8.count + 1)) }
            }
            if spec.runsShell {
                // As nsenter -e: the shell is the target's $SHELL.
                (argv, candidates) = loginShell(value("SHELL").flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh")
            } else {
                candidates = executableCandidates(for: spec.argv[0], searchPath: value("PATH"))
            }
        }
    }
}

/// What `swclone enter` joins, resolved against its target.
public struct JoinPlan: Equatable, Sendable {
    public var target: pid_t?
    /// Joined through the target's pidfd, in one setns: what was named, and with --all
    /// every other namespace the caller does not already share.
    public var fromTarget: Set<Namespace>
    public var files: [Namespace: String]
    /// -N FD: the network namespace of the target's socket FD.
    public var netSocket: Int32?
    /// --user-parent: the user namespace joined is the parent of the one named (the target's or the file's).
    public var userParent: Bool
    public var joined: Set<Namespace> {
        var all = fromTarget.union(files.keys)
        if netSocket != nil { all.insert(.net) }
        if userParent { all.insert(.user) }
        return all
    }
    /// A joined user namespace without --preserve-credentials: no groups, UID and GID 0.
    public var dropsCredentials: Bool
    public var root: DirectoryChoice?
    public var workingDirectory: DirectoryChoice?
    public var workingDirectoryInNamespace: String?

    init(_ join: NamespaceJoin, target: TargetFacts) {
        self.target = join.target
        files = join.files
        var fromTarget = join.fromTarget
        if join.all {
            for ns in Namespace.allCases where join.files[ns] == nil && !target.shared.contains(ns) {
                fromTarget.insert(ns)
            }
        }
        // The socket's network namespace and the parent user namespace replace the target's own.
        if join.netSocket != nil { fromTarget.remove(.net) }
        if join.userParent { fromTarget.remove(.user) }
        self.fromTarget = fromTarget
        netSocket = join.netSocket
        userParent = join.userParent
        dropsCredentials =
            (fromTarget.union(join.files.keys).contains(.user) || join.userParent) && !join.preserveCredentials
        root = join.root
        workingDirectory = join.workingDirectory
        workingDirectoryInNamespace = join.workingDirectoryInNamespace
    }
}

extension CapabilitySet {
    static let setGID = CapabilitySet([6])
    static let setUID = CapabilitySet([7])
}
