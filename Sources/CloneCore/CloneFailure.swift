import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// The line a user sees when clone3 itself fails: a clone3 the system
/// refuses to a launch that needs it, --into-cgroup, --join-cgroup and
/// --set-tid errors in words that say which rule was broken, then the
/// namespaces with what the host's settings say about them.
func cloneFailure(_ err: Int32, plan: LaunchPlan) -> SwcloneError {
    if err == ENOSYS || err == EPERM, let feature = clone3Feature(plan) {
        let refusal = sw_clone3_refusal()
        if refusal != 0 {
            // --timeout and --kill-tree need the cgroup only to hold the tree; a PID namespace holds it too.
            let limits = plan.spec.limits
            let killOnly =
                plan.setTID.isEmpty && plan.cgroup == nil && limits?.limitsCgroup == false && limits?.cgroupParents.isEmpty == true
            return .setup(
                "\(feature): needs clone3, which is refused here \(errnoName(refusal)): "
                    + "\(HostSettings.read().clone3RefusalCause(refusal)); launches without --set-tid, --into-cgroup, "
                    + "--join-cgroup and a transient cgroup fall back to clone(2)"
                    + (killOnly ? " (with --pid, \(feature) needs no cgroup)" : ""))
        }
    }
    switch plan.cgroup {
    case .into(let dir)?:
        if let failure = CgroupDirectory.cloneFailure(err, path: dir) { return failure }
    case .target(let dir)?:
        if [EBUSY, EOPNOTSUPP, EBADF, ENOENT, EACCES].contains(err) {
            return .setup("--join-cgroup: cannot start the program in \(dir): \(errnoText(err))")
        }
    case nil:
        if let transient = plan.limits?.cgroup, let dir = transient.v2?.directory,
            [EBUSY, EOPNOTSUPP, EBADF, ENOENT, EACCES].contains(err)
        {
            return .setup("\(transient.options): cannot start the program in the transient cgroup \(dir): \(errnoText(err))")
        }
    }
    if plan.join?.joined.contains(.pid) == true && err == ENOMEM {
        return .setup("cannot create the program in the joined PID namespace: its init has exited (\(errnoText(err)))")
    }
    if !plan.setTID.isEmpty, !namespacesRefused(err, plan: plan), let failure = setTIDFailure(err, plan: plan) {
        return failure
    }
    let new = plan.namespaceFlags
    if new.isEmpty { return .setup("cannot create the child: \(errnoText(err))") }
    return namespaceFailure(err, new)
}

/// "cannot create namespaces (...)": the system's message, then the cause the host's settings show.
func namespaceFailure(_ err: Int32, _ namespaces: Set<Namespace>, what: String? = nil) -> SwcloneError {
    let line = "\(what ?? "cannot create namespaces (\(names(namespaces)))"): \(errnoText(err))"
    guard let cause = HostSettings.read().namespaceCreationCause(err, namespaces: namespaces) else { return .setup(line) }
    return .setup("\(line): \(cause)")
}

/// The option that needs what only clone3 does (set_tid, CLONE_INTO_CGROUP), if any.
private func clone3Feature(_ plan: LaunchPlan) -> String? {
    if !plan.setTID.isEmpty { return "--set-tid \(plan.setTID.map(String.init).joined(separator: ","))" }
    switch plan.cgroup {
    case .into(let dir)?: return "--into-cgroup \(dir)"
    case .target?: return "--join-cgroup"
    case nil:
        // The transient cgroup of cgroup v2 is entered with CLONE_INTO_CGROUP; v1 ones need no clone3.
        if let transient = plan.limits?.cgroup, transient.v2 != nil { return transient.options }
        return nil
    }
}

/// EPERM for the namespaces rather than the PIDs: new namespaces without a
/// new user namespace need CAP_SYS_ADMIN, and the kernel checks that first.
private func namespacesRefused(_ err: Int32, plan: LaunchPlan) -> Bool {
    let new = plan.namespaceFlags
    return err == EPERM && !new.isEmpty && !new.contains(.user) && !hasEffectiveCapSysAdmin()
}

private func setTIDFailure(_ err: Int32, plan: LaunchPlan) -> SwcloneError? {
    let tids = plan.setTID
    let text = "--set-tid \(tids.map(String.init).joined(separator: ","))"
    let newPID = plan.namespaceFlags.contains(.pid)
    // Entries for namespaces that exist already: with --pid the first is the new one's.
    let existing = Array(tids.dropFirst(newPID ? 1 : 0))
    switch err {
    case EEXIST:
        // The caller can see its own namespace, where existing[0] lives.
        if let own = existing.first, existing.count == 1 || kill(own, 0) == 0 || errno == EPERM {
            return .setup("\(text): PID \(own) is already in use (EEXIST)")
        }
        let list = existing.map(String.init).joined(separator: ", ")
        return .setup("\(text): one of PIDs \(list) is already in use in its PID namespace (EEXIST)")
    case EINVAL:
        let levels = PIDNamespaceLevels.current()
        let childLevels = (levels?.visible ?? 1) + (newPID ? 1 : 0)
        if tids.count > childLevels {
            let plural = childLevels == 1 ? "" : "s"
            return .setup(
                "\(text): \(tids.count) PIDs for the child's \(childLevels) PID namespace level\(plural) that NSpid in /proc/self/status shows (one PID per level, innermost first) (EINVAL)"
            )
        }
        return .setup(
            "\(text): each PID must be below pid_max of its PID namespace, and a namespace with no init yet takes only PID 1 (EINVAL)")
    case EPERM:
        let pid = existing.first ?? tids[0]
        return .setup(
            "\(text): PID \(pid) needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the user namespace that owns that PID namespace (EPERM)")
    default:
        return nil
    }
}

/// CAP_SYS_ADMIN (bit 21) in CapEff of /proc/self/status.
private func hasEffectiveCapSysAdmin() -> Bool {
    guard let status = readTextFile("/proc/self/status"),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
        let hex = line.split(separator: "\t").last, let caps = UInt64(hex, radix: 16)
    else { return false }
    return caps & (1 << 21) != 0
}
