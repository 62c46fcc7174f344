import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// The line and exit status a failure reported by the child (or by the
/// in-place path) becomes: the option or step, the value it worked on, and
/// the system's message. The status is the C side's one rule, sw_exit_status.
/// `mapWriter`: in place, the helper that wrote the ID maps and its report.
func describe(
    _ failure: sw_failure, plan: LaunchPlan,
    mapWriter: (writer: OutsideMapWriter, report: sw_map_report, pid: pid_t)? = nil
) -> SwcloneError {
    var text = message(failure, plan: plan, mapWriter: mapWriter)
    // A user namespace that exists but grants nothing (Ubuntu's AppArmor restriction) fails its first privileged step.
    if failure.step != .exec && failure.step != .unshare && failure.step != .timeUnshare && plan.spec.namespaces.contains(.user),
        let cause = HostSettings.read().userNamespaceStepCause(failure.err)
    {
        text += ": " + cause
    }
    return SwcloneError(text, status: sw_exit_status(failure), bwrapMessage: bwrapMessage(failure, plan: plan))
}

/// bubblewrap's words, where its scripts match them.
private func bwrapMessage(_ failure: sw_failure, plan: LaunchPlan) -> String? {
    let index = Int(failure.index)
    guard plan.steps.indices.contains(index) else { return nil }
    switch (failure.step, plan.steps[index]) {
    case (.viewCreate, .view(let operation, _)):
        guard case .symlink = operation.kind, failure.err == EEXIST else { return nil }
        return "Can't make symlink at \(operation.destination): existing destination is \(detailText(failure))"
    case (.chdir, .chdir(let directory, _)):
        return "Can't chdir to \(directory): \(String(cString: strerror(failure.err)))"
    default:
        return nil
    }
}

private func message(
    _ failure: sw_failure, plan: LaunchPlan,
    mapWriter: (writer: OutsideMapWriter, report: sw_map_report, pid: pid_t)?
) -> String {
    let err = errnoText(failure.err)
    let index = Int(failure.index)
    let step = plan.steps.indices.contains(index) ? plan.steps[index] : nil
    switch failure.step {
    case .none:
        return "set-up step \(index) failed: \(err)"
    case .exec:
        // The login shell by its path, anything else by the name it was searched for (not --argv0).
        return "cannot execute \(plan.spec.runsShell ? plan.program.candidates[0] : plan.spec.argv[0]): \(err)"
    case .unshare:
        return namespaceFailure(failure.err, plan.namespaceFlags).message
    case .waitParent:
        return "the launcher went away before the program was set up"
    case .joinCgroup:
        guard case .joinCgroup(let dir)? = step else { return "cannot enter the transient cgroup: \(err)" }
        return "\(plan.limits?.cgroup?.options ?? "the transient cgroup"): cannot enter \(dir) (its tasks file): \(err)"
    case .mapHelper:
        guard let mapWriter, mapWriter.report.file != .none else {
            return failure.err == ECHILD
                ? "the helper writing the ID maps ended without a report"
                : "cannot start the helper that writes the ID maps: \(err)"
        }
        return mapWriter.writer.failure(mapWriter.report, pid: mapWriter.pid).message
    case .setgroupsCheck:
        return "--setgroups allow: setgroups(2) is still denied in the new user namespace after newgidmap wrote the map "
            + "(/proc/self/setgroups does not read 'allow')"
    case .setgroupsFile, .uidMap, .gidMap:
        guard case .writeOwnMap(let file, let text)? = step else { return "cannot write the ID maps: \(err)" }
        return "cannot write '\(joinedLines(text))' to /proc/self/\(file.rawValue): \(err)"
    case .timeUnshare:
        return namespaceFailure(failure.err, [.time], what: "cannot create a time namespace").message
    case .timeOffsets:
        guard case .newTimeNamespace(let offsets)? = step else { return "cannot set time namespace offsets: \(err)" }
        return "cannot set time namespace offsets '\(joinedLines(offsets))': \(err)"
    case .timeEnter:
        return "cannot enter the new time namespace: \(err)"
    case .keepNamespace:
        guard plan.keptNamespaces.indices.contains(index) else { return "cannot keep the namespaces: \(err)" }
        let kept = plan.keptNamespaces[index]
        return "\(kept.namespace.option)=\(kept.path): cannot bind-mount the namespace on it: \(err)"
    case .hostname:
        return "--hostname \(plan.spec.hostname ?? ""): cannot set the hostname: \(err)"
    case .loopback:
        return "cannot bring up loopback in the new network namespace: \(err)"
    case .propagation:
        let p = plan.spec.rootPropagation?.rawValue ?? "unchanged"
        return "--propagation \(p): cannot change the propagation of /: \(err)"
    case .chroot:
        return "--root \(plan.spec.root ?? ""): cannot change root: \(err)"
    case .chdir:
        guard case .chdir(let dir, let option)? = step else { return "cannot change directory: \(err)" }
        return "\(option) \(dir): cannot change directory: \(err)"
    case .makePrivate:
        return "--mount-proc with --propagation unchanged: cannot make \(plan.spec.procMountPoint ?? "/proc") private first, "
            + "so that proc is not mounted on the caller's one too: \(err)"
    case .mountProc:
        let line = "cannot mount proc on \(plan.spec.procMountPoint ?? "/proc"): \(err)"
        guard HostSettings.procNeedsPIDNamespace(failure.err, spec: plan.spec) else { return line + maskedProc(failure.err) }
        return line + ": in a user namespace proc is mounted only for a new PID namespace it owns: add -p (--pid)"
    case .resourceLimit:
        guard case .resourceLimit(let limit)? = step else { return "--rlimit: cannot set the limit: \(err)" }
        let why =
            switch failure.err {
            case EPERM: "; raising a hard limit needs CAP_SYS_RESOURCE, and nofile may not exceed /proc/sys/fs/nr_open"
            case EINVAL: "; the soft limit may not be above the hard limit"
            default: ""
            }
        return "--rlimit \(limit.text): cannot set the \(limit.name) limit: \(err)\(why)"
    case .keepCaps:
        return "cannot keep capabilities across the user ID change (PR_SET_KEEPCAPS): \(err)"
    case .setgroups:
        return "cannot drop supplementary groups: \(err)"
    case .setgid:
        guard case .identity(let id)? = step else { return "cannot set the group ID: \(err)" }
        return "--setgid \(id.gid.map(String.init) ?? ""): cannot set the group ID: \(err)"
    case .setuid:
        guard case .identity(let id)? = step else { return "cannot set the user ID: \(err)" }
        return "--setuid \(id.uid.map(String.init) ?? ""): cannot set the user ID: \(err)"
    case .identityCheck:
        return "the user ID, group ID or supplementary groups read back differ from the request; not running the program"
    case .capBounding:
        return "\(capabilityOptions(plan.spec)): cannot remove capabilities from the bounding set: \(err)"
            + (failure.err == EPERM ? "; that needs CAP_SETPCAP (with --user it is granted in the new user namespace)" : "")
    case .capSets:
        return "\(capabilityOptions(plan.spec)): cannot set the capability sets: \(err)"
    case .capAmbient:
        return "\(capabilityOptions(plan.spec)): cannot set the ambient capabilities: \(err)"
    case .capCheck:
        return "\(capabilityOptions(plan.spec)): the capability sets read back differ from the request; not running the program"
    case .noNewPrivs:
        return "--no-new-privs: \(err)"
    case .setsid:
        return "--new-session: cannot start a session: \(err)"
    case .parentDeath:
        let option = plan.spec.bwrap.dieWithParent ? "--die-with-parent" : "--kill-child"
        return "\(option): \(failure.err == ESRCH ? "swclone died before the program started" : err)"
    case .terminal:
        return "cannot give the program the terminal's foreground: \(err)"
    case .processGroup:
        return "--timeout: cannot give the program a process group of its own: \(err)"
    case .owner:
        let owner = plan.spec.owner.map { "\($0.uid):\($0.gid)" } ?? ""
        return "--owner \(owner): cannot take these IDs to create the user namespace: \(err)"
    case .initProcess:
        return "--init: cannot start the program under the init: \(err)"
    case .viewRoot:
        let scratch = plan.steps.lazy.compactMap { if case .viewBegin(let dir) = $0 { dir } else { nil } }.first ?? "/tmp"
        return "cannot build the new root (a tmpfs over \(scratch) of the old root, then pivot_root): \(err)"
    case .viewSource, .viewCreate, .viewMount, .viewReadOnly, .viewWrite:
        guard case .view(let operation, _)? = step else { return "the filesystem view: \(err)" }
        let proc = failure.step == .viewMount && operation.kind == .proc
        return "\(operation.option): \(viewFailure(failure, operation)): \(err)\(proc ? maskedProc(failure.err) : "")"
    case .landlock:
        return "--landlock: cannot restrict the program to the view: \(err)"
    case .userNamespaceLimit:
        return "--disable-userns: cannot set user.max_user_namespaces in the sandbox's user namespace: \(err)"
    case .userNamespaceNest:
        return "--disable-userns: cannot create the nested user namespace: \(err)"
    case .userNamespaceAssert:
        return "--assert-userns-disabled: the program could still create user namespaces"
    case .lockFile:
        guard case .lockFile(let path)? = step else { return "--lock-file: \(err)" }
        return "--lock-file \(path): cannot lock it: \(err)"
    case .waitDescriptor:
        guard case .waitOnDescriptor(let fd, let option)? = step else { return "cannot wait on the descriptor: \(err)" }
        return "\(option) \(fd): cannot read it: \(err)"
    case .userNamespaceJoin:
        return "--userns2: cannot join the user namespace: \(err)"
    case .pidNamespaceNest:
        return "--pidns with --unshare-pid: cannot create a PID namespace under the given one: \(err)"
    case .seccomp:
        guard case .seccomp(let filter)? = step else { return "cannot load a seccomp filter: \(err)" }
        return "\(filter.option): cannot load the seccomp filter: \(err)" + seccompHint(failure.err)
    }
}

/// Why the kernel refuses a seccomp filter, where its errno alone does not say.
private func seccompHint(_ err: Int32) -> String {
    switch err {
    case EINVAL: "; the kernel refused the program (an invalid instruction or jump, or a kernel without CONFIG_SECCOMP_FILTER)"
    case ENOMEM: "; the filters together may have at most 32768 instructions (4 more for each filter)"
    default: ""
    }
}

/// The capability options as given, e.g. "--cap-drop all --cap-add net_raw", for a failed capability step.
private func capabilityOptions(_ spec: LaunchSpec) -> String {
    guard let request = spec.capabilities else { return "capabilities" }
    var words: [String] = []
    let all = CapabilitySet.all(count: knownCapabilityCount())
    if request.drop.isSuperset(of: all) {
        words.append("--cap-drop all")
    } else if !request.drop.isEmpty {
        words.append("--cap-drop " + request.drop.numbers.map(capabilityName).joined(separator: ","))
    }
    if !request.add.isEmpty { words.append("--cap-add " + request.add.numbers.map(capabilityName).joined(separator: ",")) }
    if request.keepAll { words.append("--keep-caps") }
    return words.joined(separator: " ")
}

func names(_ namespaces: Set<Namespace>) -> String {
    namespaces.sorted().map(\.rawValue).joined(separator: ", ")
}

extension LaunchPlan {
    /// In place: whether `failure` came after the namespaces were kept in their files. A failed
    /// bind is not: the keeper took back the ones before it, and its index is the file's.
    func failedAfterKeeping(_ failure: sw_failure) -> Bool {
        guard let keep = steps.firstIndex(of: .keepNamespaces) else { return false }
        switch failure.step {
        case .owner, .unshare, .mapHelper, .keepNamespace: return false
        case .exec, .initProcess: return true
        default: return Int(failure.index) > keep
        }
    }
}

/// Why a new proc is refused (EPERM) where the /proc swclone sees has paths mounted over it, as
/// container runtimes mask /proc/kcore, /proc/keys...: in a user namespace the kernel mounts proc
/// only where an existing one is wholly visible. binfmt_misc's empty directory hides nothing.
private func maskedProc(_ err: Int32) -> String {
    guard err == EPERM else { return "" }
    let masked = MountInfoLine.all().lazy.map(\.mountPoint).filter {
        $0.hasPrefix("/proc/") && $0 != "/proc/sys/fs/binfmt_misc"
    }
    guard let first = masked.first else { return "" }
    return ": paths of this /proc are mounted over (\(first)...), as container runtimes mask them, and a user namespace gets "
        + "a new proc only where one is wholly visible: unmask them (docker run --security-opt systempaths=unconfined, "
        + "or a privileged container)"
}

/// What a view operation was doing when it failed, in words.
private func viewFailure(_ failure: sw_failure, _ operation: ViewOperation) -> String {
    switch failure.step {
    case .viewSource:
        if case .bindDescriptor = operation.kind, failure.err == ESTALE {
            return "the descriptor's file was replaced while it was being bound"
        }
        return "cannot use the source"
    case .viewCreate:
        if case .symlink = operation.kind, failure.err == EEXIST {
            let existing = detailText(failure)
            return existing.isEmpty
                ? "\(operation.destination) exists and is not that link"
                : "\(operation.destination) exists and links to \(existing)"
        }
        return "cannot create \(operation.destination) in the new root"
    case .viewReadOnly:
        if case .remountReadOnly = operation.kind, failure.err == EINVAL {
            return "cannot make \(operation.destination) read-only: it is not a mount point"
        }
        return "cannot make \(operation.destination) and every mount under it read-only"
    case .viewWrite:
        return "cannot write \(operation.destination)"
    default:
        return "cannot mount on \(operation.destination)"
    }
}

/// The failure's detail, as the child wrote it (NUL-terminated inside the field).
func detailText(_ failure: sw_failure) -> String {
    withUnsafeBytes(of: failure.detail) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
