import CShim
import CloneCore
import Glibc
import LaunchPlan
import LaunchSpec

/// Reads what `swclone --check` reports from this host. Nothing is left
/// behind: files and sysctls are read, and each namespace is made by a child
/// that exits at once (its namespaces end with it).
public enum HostObserver {
    /// The UID an unprivileged user is probed as, when the caller is privileged.
    static let nobody: uid_t = 65534

    public static func observe() throws -> HostObservations {
        guard access("/proc/self/status", R_OK) == 0 else {
            throw SwcloneError.setup("--check: cannot look: /proc/self/status cannot be read (is proc mounted?): \(errnoText(errno))")
        }
        let uid = geteuid(), gid = getegid()
        let settings = HostSettings.read()
        let userName = lookUpUserName(uid)

        var namespaces: [Namespace: NamespaceProbe] = [:]
        for ns in Namespace.allCases where access("/proc/self/ns/\(ns.procName)", F_OK) == 0 {
            let flag = Int32(truncatingIfNeeded: cloneFlags([ns]))
            let direct = probe(flags: flag)
            var probe = NamespaceProbe(direct: direct)
            // Only a refusal for want of privilege is what a user namespace cures.
            if direct.err == EPERM && ns != .user {
                probe.inUserNamespace = Self.probe(
                    flags: Int32(truncatingIfNeeded: SW_CLONE_NEWUSER), maps: (uid, gid), inner: flag)
            }
            namespaces[ns] = probe
        }
        // As -r does it: the namespace, the caller's own IDs mapped, then a namespace that needs its capabilities.
        let privileged = uid == 0 || settings.privileged
        let probeUID = privileged ? nobody : uid
        let unprivileged = probe(
            as: privileged ? nobody : nil, flags: Int32(truncatingIfNeeded: SW_CLONE_NEWUSER),
            maps: (probeUID, privileged ? nobody : gid), inner: Int32(truncatingIfNeeded: SW_CLONE_NEWNS))

        return HostObservations(
            uid: uid, gid: gid, userName: userName, kernelRelease: HostSettings.kernelRelease() ?? "?", settings: settings,
            namespaces: namespaces, unprivilegedUserNamespace: unprivileged, unprivilegedUID: probeUID,
            subordinateIDs: subordinateIDs(uid: uid, userName: userName), clone3Refusal: sw_clone3_refusal(),
            cgroup: cgroup(), landlock: landlock(), seccomp: seccomp())
    }

    private static func probe(as id: uid_t? = nil, flags: Int32, maps: (uid_t, gid_t)? = nil, inner: Int32 = 0) -> ProbeOutcome {
        var stage = sw_probe_stage.none
        let uidMap = maps.map { "0 \($0.0) 1\n" }, gidMap = maps.map { "0 \($0.1) 1\n" }
        let err = sw_probe_namespaces(id.map { Int64($0) } ?? -1, flags, uidMap, gidMap, inner, &stage)
        if err < 0 { return ProbeOutcome(stage: .identity, err: errno) }
        let reached: ProbeOutcome.Stage
        switch stage {
        case .none: reached = .none
        case .identity: reached = .identity
        case .unshare: reached = .unshare
        case .setgroups: reached = .setgroups
        case .uidMap: reached = .uidMap
        case .gidMap: reached = .gidMap
        case .inner: reached = .inner
        }
        return ProbeOutcome(stage: reached, err: err)
    }

    private static func subordinateIDs(uid: uid_t, userName: String?) -> SubordinateIDs {
        func block(_ path: String) -> Result<SubordinateBlock?, ProbeError> {
            guard let text = readTextFile(path) else { return errno == ENOENT ? .success(nil) : .failure(ProbeError(errno)) }
            return .success(firstSubordinateBlock(in: text, userName: userName, uid: uid))
        }
        return SubordinateIDs(
            subuid: block("/etc/subuid"), subgid: block("/etc/subgid"), newuidmap: helper("newuidmap"),
            newgidmap: helper("newgidmap"))
    }

    /// Found as swclone finds it for a launch: PATH, then /usr/bin and /bin.
    private static func helper(_ name: String) -> HelperProgram? {
        let path = (getenv("PATH").map { String(cString: $0) } ?? "") + ":/usr/bin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/\(name)"
            var st = stat()
            guard stat(candidate, &st) == 0, access(candidate, X_OK) == 0 else { continue }
            let setUID = st.st_uid == 0 && st.st_mode & S_ISUID != 0
            let fileCaps = sw_has_file_capabilities(candidate) == 1
            return HelperProgram(path: candidate, privileged: setUID || fileCaps)
        }
        return nil
    }

    private static func cgroup() -> CgroupObservation {
        var mountPoint: String?, mountRoot = "/"
        for line in (readTextFile("/proc/self/mountinfo") ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, dash > 4,
                fields[dash + 1] == "cgroup2"
            else { continue }
            mountPoint = unescapeMountField(fields[4])
            mountRoot = unescapeMountField(fields[3])
        }
        let own = (readTextFile("/proc/self/cgroup") ?? "").split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
        var directory: String?
        if let mountPoint, let own, own == mountRoot || own.hasPrefix(mountRoot == "/" ? "/" : mountRoot + "/") {
            let relative = mountRoot == "/" ? own : String(own.dropFirst(mountRoot.count))
            directory = mountPoint + (relative == "/" ? "" : relative)
        }
        func words(_ file: String) -> [String] {
            guard let directory else { return [] }
            return (readTextFile("\(directory)/\(file)") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        }
        // /proc/cgroups: name, hierarchy ID (0: v2 or none), count, enabled.
        let v1 = (readTextFile("/proc/cgroups") ?? "").split(separator: "\n").compactMap { line -> String? in
            let f = line.split(whereSeparator: \.isWhitespace)
            guard f.count == 4, !f[0].hasPrefix("#"), f[1] != "0", f[3] == "1" else { return nil }
            return String(f[0])
        }
        return CgroupObservation(
            mountPoint: mountPoint, cgroup: own, directory: directory,
            writable: directory.map { access($0, W_OK) == 0 } ?? false, controllers: words("cgroup.controllers"),
            subtreeControl: words("cgroup.subtree_control"), v1Controllers: v1)
    }

    private static func landlock() -> Result<Int, ProbeError> {
        let abi = sw_probe_landlock_abi()
        return abi >= 0 ? .success(Int(abi)) : .failure(ProbeError(errno))
    }

    private static func seccomp() -> SeccompObservation {
        SeccompObservation(
            actions: readTextFile("/proc/sys/kernel/seccomp/actions_avail").map {
                $0.split(whereSeparator: \.isWhitespace).map(String.init)
            },
            mode: HostSettings.seccompMode(), filters: HostSettings.statusField("Seccomp_filters"))
    }
}
