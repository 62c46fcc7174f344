import CShim
import Glibc
import LaunchSpec

/// The C description of the child (`struct sw_child`), built from a spec in
/// the parent: after clone3 the child may not allocate, so every string and
/// array it reads is made here, before.
final class ChildPlan {
    let child: UnsafeMutablePointer<sw_child>
    private var allocations: [UnsafeMutableRawPointer] = []
    /// The new user namespace's maps are written by the child (or in place, by swclone) itself.
    let writesOwnMaps: Bool

    /// `inPlace`: the launcher itself will unshare and exec (no clone3).
    init(spec: LaunchSpec, inPlace: Bool) throws {
        child = .allocate(capacity: 1)
        child.initialize(to: sw_child())
        allocations.append(UnsafeMutableRawPointer(child))
        var c = sw_child()
        c.error_fd = -1
        c.sync_fd = -1
        c.parent_pidfd = -1
        c.keep_ready_fd = -1
        c.keep_answer_fd = -1
        c.status_fd = -1
        c.foreground_tty = -1
        c.death_signal = spec.killChildSignal ?? 0
        c.run_init = spec.runsInit ? 1 : 0
        if inPlace {
            // The time namespace is unshared and entered by the set-up path.
            c.unshare_flags = Int32(truncatingIfNeeded: cloneFlags(spec.namespaces.subtracting([.time])))
        }
        // The common case needs no one outside: the process in the new namespace maps its own IDs.
        writesOwnMaps = spec.userNamespace?.writableBySelf(uid: geteuid(), gid: getegid()) == true
        if let user = spec.userNamespace, writesOwnMaps {
            c.self_setgroups = string(user.setgroupsText)
            c.self_uid_map = string(user.uidMapText)
            c.self_gid_map = string(user.gidMapText)
        }
        c.setgroups_denied = spec.userNamespace?.denySetgroups == true ? 1 : 0
        if spec.namespaces.contains(.time) {
            c.new_time = 1
            c.timens_offsets = string(spec.timeOffsetsText)
        }
        c.hostname = string(spec.hostname)
        c.loopback_up = spec.namespaces.contains(.net) ? 1 : 0
        if spec.namespaces.contains(.mount), let propagation = spec.rootPropagation {
            c.root_propagation = SW_MS_REC | propagation.mountFlag
        }
        c.root = string(spec.root)
        c.wd = string(spec.workingDirectory)
        c.proc_dir = string(spec.procMountPoint)
        if let gid = spec.gid { c.set_gid = 1; c.gid = gid }
        if let uid = spec.uid { c.set_uid = 1; c.uid = uid }
        try ResolvedCapabilities.forLaunch(spec)?.apply(to: &c)
        c.no_new_privs = spec.noNewPrivileges ? 1 : 0
        c.new_session = spec.newSession ? 1 : 0
        sigprocmask(SIG_SETMASK, nil, &c.sigmask)
        // One spare slot before argv[0] for the shell fallback of a script without #!.
        c.argv = stringArray(spec.argv, spare: 1).advanced(by: 1)
        c.envp = spec.environment.map { UnsafePointer(stringArray($0, spare: 0)) } ?? UnsafePointer(environ)
        c.candidates = UnsafeRawPointer(stringArray(spec.executableCandidates, spare: 0))
            .assumingMemoryBound(to: UnsafePointer<CChar>?.self)
        child.pointee = c
    }

    deinit {
        for p in allocations { free(p) }
    }

    private func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s, let copy = strdup(s) else { return nil }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// A NULL-terminated array of C strings, freed with the plan.
    func strings(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        UnsafeRawPointer(stringArray(strings, spare: 0)).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
    }

    /// A NULL-terminated array of C strings with `spare` empty slots in front.
    private func stringArray(_ strings: [String], spare: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: spare + strings.count + 1)
        allocations.append(UnsafeMutableRawPointer(array))
        array.initialize(repeating: nil, count: spare + strings.count + 1)
        for (i, s) in strings.enumerated() {
            let copy = strdup(s)!
            allocations.append(UnsafeMutableRawPointer(copy))
            array[spare + i] = copy
        }
        return array
    }
}

/// The clone/unshare flags for a set of namespaces.
func cloneFlags(_ namespaces: Set<Namespace>) -> UInt64 {
    namespaces.reduce(0) { flags, ns in
        flags | {
            switch ns {
            case .user: SW_CLONE_NEWUSER
            case .pid: SW_CLONE_NEWPID
            case .mount: SW_CLONE_NEWNS
            case .uts: SW_CLONE_NEWUTS
            case .ipc: SW_CLONE_NEWIPC
            case .net: SW_CLONE_NEWNET
            case .cgroup: SW_CLONE_NEWCGROUP
            case .time: SW_CLONE_NEWTIME
            }
        }()
    }
}

extension Propagation {
    var mountFlag: UInt {
        switch self {
        case .private: SW_MS_PRIVATE
        case .shared: SW_MS_SHARED
        case .slave: SW_MS_SLAVE
        }
    }
}
