import Glibc
import LaunchSpec
import SystemPackage

/// Writes a child's ID maps from the parent user namespace while the child
/// waits; setgroups first, since an unprivileged gid_map needs "deny" there.
func writeIDMaps(_ user: UserNamespaceSetup, pid: pid_t) throws {
    if let text = user.setgroupsText { try writeProcFile(pid: pid, "setgroups", text) }
    if let text = user.uidMapText { try writeProcFile(pid: pid, "uid_map", text) }
    if let text = user.gidMapText { try writeProcFile(pid: pid, "gid_map", text) }
}

private func writeProcFile(pid: pid_t, _ name: String, _ text: String) throws {
    let path = "/proc/\(pid)/\(name)"
    do {
        let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: .closeOnExec)
        try fd.closeAfter { _ = try fd.writeAll(text.utf8) }
    } catch let error as Errno {
        let shown = text.split(separator: "\n").joined(separator: "; ")
        throw SwcloneError.setup("cannot write '\(shown)' to \(path): \(errnoText(error.rawValue))")
    }
}
