import CShim
import Glibc
import LaunchSpec

/// Turns a (step, errno) report from the child into the line and status a
/// user sees: the step, the value it worked on, and the system's message.
func describe(_ failure: sw_failure, spec: LaunchSpec) -> SwcloneError {
    let err = errnoText(failure.err)
    let user = spec.userNamespace
    switch sw_step(UInt32(failure.step)) {
    case SW_STEP_EXEC:
        let program = spec.argv[0]
        if failure.err == ENOENT {
            return SwcloneError("cannot execute \(program): \(err)", status: ExitStatus.notFound)
        }
        return SwcloneError("cannot execute \(program): \(err)", status: ExitStatus.cannotRun)
    case SW_STEP_UNSHARE:
        return .setup("cannot create namespaces (\(names(spec.namespaces.subtracting([.time])))): \(err)")
    case SW_STEP_WAIT_PARENT:
        return .setup("the launcher went away before the program was set up")
    case SW_STEP_SETGROUPS_FILE:
        return .setup("cannot write '\(user?.setgroupsText ?? "")' to /proc/self/setgroups: \(err)")
    case SW_STEP_UID_MAP:
        return .setup("cannot write '\(oneLine(user?.uidMapText))' to /proc/self/uid_map: \(err)")
    case SW_STEP_GID_MAP:
        return .setup("cannot write '\(oneLine(user?.gidMapText))' to /proc/self/gid_map: \(err)")
    case SW_STEP_TIME_UNSHARE:
        return .setup("cannot create a time namespace: \(err)")
    case SW_STEP_TIME_OFFSETS:
        return .setup("cannot set time namespace offsets '\(oneLine(spec.timeOffsetsText))': \(err)")
    case SW_STEP_TIME_ENTER:
        return .setup("cannot enter the new time namespace: \(err)")
    case SW_STEP_HOSTNAME:
        return .setup("--hostname \(spec.hostname ?? ""): cannot set the hostname: \(err)")
    case SW_STEP_LOOPBACK:
        return .setup("cannot bring up loopback in the new network namespace: \(err)")
    case SW_STEP_PROPAGATION:
        let p = spec.rootPropagation?.rawValue ?? "unchanged"
        return .setup("--propagation \(p): cannot change the propagation of /: \(err)")
    case SW_STEP_CHROOT:
        return .setup("--root \(spec.root ?? ""): cannot change root: \(err)")
    case SW_STEP_CHDIR:
        return .setup("--wd \(spec.workingDirectory ?? "/"): cannot change directory: \(err)")
    case SW_STEP_MOUNT_PROC:
        return .setup("cannot mount proc on \(spec.procMountPoint ?? "/proc"): \(err)")
    case SW_STEP_SETGROUPS:
        return .setup("cannot drop supplementary groups: \(err)")
    case SW_STEP_SETGID:
        return .setup("--setgid \(spec.gid.map(String.init) ?? ""): cannot set the group ID: \(err)")
    case SW_STEP_SETUID:
        return .setup("--setuid \(spec.uid.map(String.init) ?? ""): cannot set the user ID: \(err)")
    case SW_STEP_KEEPCAPS:
        return .setup("cannot keep capabilities across the user ID change (PR_SET_KEEPCAPS): \(err)")
    case SW_STEP_IDENTITY_CHECK:
        return .setup("the user ID, group ID or supplementary groups read back differ from the request; not running the program")
    case SW_STEP_CAP_BOUNDING:
        return .setup("\(capOptions(spec)): cannot remove capabilities from the bounding set: \(err)"
            + (failure.err == EPERM ? "; that needs CAP_SETPCAP (with --user it is granted in the new user namespace)" : ""))
    case SW_STEP_CAP_SETS:
        return .setup("\(capOptions(spec)): cannot set the capability sets: \(err)")
    case SW_STEP_CAP_AMBIENT:
        return .setup("\(capOptions(spec)): cannot set the ambient capabilities: \(err)")
    case SW_STEP_CAP_CHECK:
        return .setup("\(capOptions(spec)): the capability sets read back differ from the request; not running the program")
    case SW_STEP_NO_NEW_PRIVS:
        return .setup("--no-new-privs: \(err)")
    case SW_STEP_SETSID:
        return .setup("--new-session: cannot start a session: \(err)")
    case SW_STEP_KEEPCAPS:
        return .setup("--keep-caps: cannot raise the capabilities into the ambient set: \(err)")
    case SW_STEP_PARENT_DEATH:
        return .setup("--kill-child: \(failure.err == ESRCH ? "swclone died before the program started" : err)")
    case SW_STEP_TERMINAL:
        return .setup("cannot give the program the terminal's foreground: \(err)")
    case SW_STEP_INIT:
        return .setup("--init: cannot start the program under the init: \(err)")
    default:
        return .setup("set-up step \(failure.step) failed: \(err)")
    }
}

/// The capability options as given, e.g. "--cap-drop all --cap-add net_raw", for a failed capability step.
private func capOptions(_ spec: LaunchSpec) -> String {
    guard let request = spec.capabilities else { return "capabilities" }
    var words: [String] = []
    let all = CapabilitySet.all(count: knownCapabilityCount())
    if request.drop.isSuperset(of: all) { words.append("--cap-drop all") }
    else if !request.drop.isEmpty { words.append("--cap-drop " + request.drop.numbers.map(capabilityName).joined(separator: ",")) }
    if !request.add.isEmpty { words.append("--cap-add " + request.add.numbers.map(capabilityName).joined(separator: ",")) }
    if request.keepAll { words.append("--keep-caps") }
    return words.joined(separator: " ")
}

func names(_ namespaces: Set<Namespace>) -> String {
    namespaces.sorted().map(\.rawValue).joined(separator: ", ")
}

/// Map and offset texts are several lines; an error line shows them on one.
private func oneLine(_ text: String?) -> String {
    (text ?? "").split(separator: "\n").joined(separator: "; ")
}
