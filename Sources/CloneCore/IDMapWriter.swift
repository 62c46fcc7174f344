import CLibcap
import CShim
import Glibc
import LaunchSpec

/// Writes a new user namespace's maps from the parent user namespace: swclone writes
/// what the kernel lets the caller write, newuidmap/newgidmap the rest. Decided before
/// the namespace exists, so a missing helper fails before anything is created.
struct OutsideMapWriter {
    let setup: UserNamespaceSetup
    let writers: MapWriters
    let newuidmap: String?
    let newgidmap: String?

    init(_ setup: UserNamespaceSetup) throws {
        self.setup = setup
        writers = setup.writers(uid: geteuid(), gid: getegid(),
                                canSetUID: hasEffectiveCapability(CAP_SETUID), canSetGID: hasEffectiveCapability(CAP_SETGID))
        newuidmap = writers.uid == .helper ? try findHelper("newuidmap", map: setup.uidMapText) : nil
        newgidmap = writers.gid == .helper ? try findHelper("newgidmap", map: setup.gidMapText) : nil
    }

    /// Fork mode: writes the maps of the child `pid`, which waits for them.
    func write(for pid: pid_t) throws {
        let plan = UserMapsPlan(self, pid: pid)
        if sw_apply_user_maps(plan.maps, plan.report) != 0 {
            throw failure(plan.report.pointee, pid: pid)
        }
    }

    /// The one line a failed write becomes: the file, the map, and the kernel's or the helper's reason.
    func failure(_ r: sw_map_report, pid: pid_t) -> SwcloneError {
        let proc = "/proc/\(pid)"
        switch sw_step(UInt32(r.step)) {
        case SW_STEP_SETGROUPS_FILE:
            return .setup("cannot write '\(setup.setgroupsText ?? "")' to \(proc)/setgroups: \(errnoText(r.err))")
        case SW_STEP_UID_MAP:
            return mapFailure(r, file: "\(proc)/uid_map", text: setup.uidMapText, helper: newuidmap)
        case SW_STEP_GID_MAP:
            return mapFailure(r, file: "\(proc)/gid_map", text: setup.gidMapText, helper: newgidmap)
        default:
            return .setup("the process writing the ID maps of \(proc) ended without a report")
        }
    }

    private func mapFailure(_ r: sw_map_report, file: String, text: String?, helper: String?) -> SwcloneError {
        let map = joinedLines(text)
        guard let helper else { return .setup("cannot write '\(map)' to \(file): \(errnoText(r.err))") }
        let name = helper.split(separator: "/").last.map(String.init) ?? helper
        guard r.status >= 0 else { return .setup("cannot run \(helper) for \(file): \(errnoText(r.err))") }
        var output = r.output
        let said = withUnsafeBytes(of: &output) { raw in
            String(decoding: raw.prefix(Int(r.output_len)), as: UTF8.self)
        }
        let reason = said.split(whereSeparator: \.isNewline)
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.filter { !$0.isEmpty }
        let why = reason.isEmpty ? "\(name) exited with status \(r.status)" : reason.joined(separator: "; ")
        return .setup("\(name) could not write '\(map)' to \(file): \(why)")
    }
}

/// The C description (`struct sw_user_maps`) of the maps for one process, and room for the
/// report; it owns every string it points to.
final class UserMapsPlan {
    let maps: UnsafeMutablePointer<sw_user_maps>
    let report: UnsafeMutablePointer<sw_map_report>
    private var allocations: [UnsafeMutableRawPointer] = []

    init(_ writer: OutsideMapWriter, pid: pid_t) {
        maps = .allocate(capacity: 1)
        report = .allocate(capacity: 1)
        report.initialize(to: sw_map_report())
        let setup = writer.setup
        var m = sw_user_maps()
        m.setgroups_path = string("/proc/\(pid)/setgroups")
        m.setgroups = string(setup.setgroupsText)
        m.uid_map_path = string("/proc/\(pid)/uid_map")
        m.gid_map_path = string("/proc/\(pid)/gid_map")
        if let helper = writer.newuidmap {
            m.newuidmap_argv = UnsafePointer(array([helper, "\(pid)"] + helperArguments(setup.uidMap)))
        } else {
            m.uid_map = string(setup.uidMapText)
        }
        if let helper = writer.newgidmap {
            m.newgidmap_argv = UnsafePointer(array([helper, "\(pid)"] + helperArguments(setup.gidMap)))
        } else {
            m.gid_map = string(setup.gidMapText)
        }
        // An empty environment: the helper is set-user-ID, and its messages stay in English.
        m.helper_envp = UnsafePointer(array([]))
        maps.initialize(to: m)
    }

    deinit {
        for p in allocations { free(p) }
        maps.deallocate()
        report.deallocate()
    }

    private func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s, let copy = strdup(s) else { return nil }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    private func array(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        allocations.append(UnsafeMutableRawPointer(array))
        array.initialize(repeating: nil, count: strings.count + 1)
        for (i, s) in strings.enumerated() {
            array[i] = UnsafeMutablePointer(mutating: string(s))
        }
        return array
    }
}

/// newuidmap's arguments after the PID: INNER OUTER COUNT for each line.
private func helperArguments(_ map: [IDMapEntry]) -> [String] {
    map.flatMap { ["\($0.inner)", "\($0.outer)", "\($0.count)"] }
}

/// Searched in PATH, as util-linux does, then where Debian installs it.
private func findHelper(_ name: String, map: String?) throws -> String {
    let path = (getenv("PATH").map { String(cString: $0) } ?? "") + ":/usr/bin:/bin"
    for dir in path.split(separator: ":") where dir.hasPrefix("/") {
        let candidate = "\(dir)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    throw SwcloneError.setup(
        "cannot write the map '\(joinedLines(map))' without privilege: \(name) not found (Debian package uidmap)")
}

/// Whether the caller holds `cap` in its effective set (in its own user namespace).
private func hasEffectiveCapability(_ cap: cap_value_t) -> Bool {
    guard let caps = cap_get_proc() else { return false }
    defer { cap_free(UnsafeMutableRawPointer(caps)) }
    var value = CAP_CLEAR
    return cap_get_flag(caps, cap, CAP_EFFECTIVE, &value) == 0 && value == CAP_SET
}

/// Map texts are several lines; an error line shows them on one.
func joinedLines(_ text: String?) -> String {
    (text ?? "").split(separator: "\n").joined(separator: "; ")
}
