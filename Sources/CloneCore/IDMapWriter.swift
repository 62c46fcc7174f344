import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// Writes a new user namespace's maps from the parent user namespace: swclone writes
/// what the kernel lets the caller write, newuidmap/newgidmap the rest (the plan says
/// which). The helpers are found before the namespace exists, so a missing one fails
/// before anything is created.
struct OutsideMapWriter {
    let setup: UserNamespaceSetup
    let newuidmap: String?
    let newgidmap: String?

    init(_ maps: OutsideMaps) throws {
        setup = maps.setup
        newuidmap = maps.writers.uid == .helper ? try findHelper("newuidmap", map: setup.uidMapText) : nil
        newgidmap = maps.writers.gid == .helper ? try findHelper("newgidmap", map: setup.gidMapText) : nil
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
        switch r.file {
        case .setgroups:
            return .setup("cannot write '\(setup.setgroupsText ?? "")' to \(proc)/setgroups: \(errnoTextAndCause(r.err))")
        case .uidMap:
            return mapFailure(r, file: "\(proc)/uid_map", text: setup.uidMapText, helper: newuidmap)
        case .gidMap:
            return mapFailure(r, file: "\(proc)/gid_map", text: setup.gidMapText, helper: newgidmap)
        case .none:
            return .setup("the process writing the ID maps of \(proc) ended without a report")
        }
    }

    private func mapFailure(_ r: sw_map_report, file: String, text: String?, helper: String?) -> SwcloneError {
        let map = joinedLines(text)
        guard let helper else { return .setup("cannot write '\(map)' to \(file): \(errnoTextAndCause(r.err))") }
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
    private let memory = CAllocations()

    init(_ writer: OutsideMapWriter, pid: pid_t) {
        maps = memory.allocate(sw_user_maps.self, count: 1)
        report = memory.allocate(sw_map_report.self, count: 1)
        report.initialize(to: sw_map_report())
        let setup = writer.setup
        // An empty environment: the helper is set-user-ID, and its messages stay in English.
        var m = sw_user_maps(
            setgroups_path: memory.string("/proc/\(pid)/setgroups"), setgroups: nil,
            uid_map_path: memory.string("/proc/\(pid)/uid_map"), uid_map: nil,
            gid_map_path: memory.string("/proc/\(pid)/gid_map"), gid_map: nil,
            newuidmap_argv: nil, newgidmap_argv: nil, helper_envp: memory.array([]))
        m.setgroups = setup.setgroupsText.map(memory.string)
        if let helper = writer.newuidmap {
            m.newuidmap_argv = UnsafePointer(memory.array([helper, "\(pid)"] + helperArguments(setup.uidMap)))
        } else {
            m.uid_map = setup.uidMapText.map(memory.string)
        }
        if let helper = writer.newgidmap {
            m.newgidmap_argv = UnsafePointer(memory.array([helper, "\(pid)"] + helperArguments(setup.gidMap)))
        } else {
            m.gid_map = setup.gidMapText.map(memory.string)
        }
        maps.initialize(to: m)
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

/// The system's message, and Ubuntu's AppArmor restriction when that is why a write was refused.
private func errnoTextAndCause(_ err: Int32) -> String {
    guard let cause = HostSettings.read().userNamespaceStepCause(err) else { return errnoText(err) }
    return "\(errnoText(err)): \(cause)"
}

/// Map texts are several lines; an error line shows them on one.
func joinedLines(_ text: String?) -> String {
    (text ?? "").split(separator: "\n").joined(separator: "; ")
}
