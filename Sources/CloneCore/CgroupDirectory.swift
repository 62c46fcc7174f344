import CShim
import Glibc
import LaunchSpec

/// --into-cgroup: the cgroup v2 directory the child starts in, opened in the
/// parent (O_PATH is enough for CLONE_INTO_CGROUP) and checked before clone3,
/// since the kernel answers a directory of any other filesystem with a bare EBADF.
struct CgroupDirectory {
    let path: String
    let fd: Int32

    init(_ path: String) throws {
        self.path = path
        fd = sw_open_directory_path(path)
        guard fd >= 0 else {
            let err = errno
            let what = err == ENOENT ? "no such cgroup directory" : "cannot open it"
            throw SwcloneError.setup("--into-cgroup \(path): \(what): \(errnoText(err))")
        }
        let isCgroup2 = sw_is_cgroup2(fd)
        guard isCgroup2 == 1 else {
            let err = errno
            Glibc.close(fd)
            if isCgroup2 < 0 { throw SwcloneError.setup("--into-cgroup \(path): \(errnoText(err))") }
            throw Self.notCgroup2(path)
        }
    }

    func close() { Glibc.close(fd) }

    private static func notCgroup2(_ path: String) -> SwcloneError {
        let hint = cgroup2Mount().map { "cgroup v2 is mounted at \($0.mountPoint)" } ?? "no cgroup v2 filesystem is mounted"
        return .setup("--into-cgroup \(path): not a cgroup v2 directory (\(hint))")
    }

    /// What clone3's errors mean for this directory, or nil for an error
    /// that CLONE_INTO_CGROUP does not cause.
    static func cloneFailure(_ err: Int32, path: String) -> SwcloneError? {
        let why: String
        switch err {
        case EBADF:
            return notCgroup2(path)
        case ENOENT, ENODEV:
            why = "the cgroup has been removed, or is outside swclone's cgroup namespace"
        case EACCES:
            why =
                "no permission to move a process into it: that needs write access to its cgroup.procs and to that of the closest cgroup it shares with swclone"
        case EBUSY:
            why =
                "it has controllers enabled for its children (cgroup.subtree_control is not empty), and processes may only live in cgroups that have none"
        case EOPNOTSUPP:
            let type = readTextFile(path + "/cgroup.type")?.split(separator: "\n").first.map(String.init) ?? "?"
            let name = type == "domain invalid" ? " (threaded-invalid)" : ""
            why = "its cgroup.type is '\(type)'\(name), and a cgroup of that type takes no processes"
        default:
            return nil
        }
        return .setup("--into-cgroup \(path): \(why) \(errnoName(err))")
    }
}

/// The cgroup v2 mount, from /proc/self/mountinfo: it is not always at
/// /sys/fs/cgroup (hybrid systems mount it at /sys/fs/cgroup/unified). The
/// last one listed is the one a path reaches when several are stacked.
func cgroup2Mount() -> MountInfoLine? {
    MountInfoLine.all(types: ["cgroup2"]).last
}

/// The directory of `cgroup` (a path as /proc/PID/cgroup gives it) under
/// `mount`, or nil when the mount does not show it (a mount of a cgroup below it).
func mountedCgroupDirectory(_ cgroup: String, in mount: MountInfoLine) -> String? {
    let root = mount.root == "/" ? "" : mount.root
    // Compared as bytes: character by character cost more than the rest of the look-up.
    let path = cgroup.utf8, prefix = root.utf8
    guard path.starts(with: prefix), path.count == prefix.count || path.dropFirst(prefix.count).first == UInt8(ascii: "/")
    else { return nil }
    let relative = path.dropFirst(prefix.count)
    return mount.mountPoint + (relative.elementsEqual("/".utf8) ? "" : String(decoding: relative, as: UTF8.self))
}
