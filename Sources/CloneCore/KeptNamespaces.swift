import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// `--uts=FILE` and its siblings: the new namespaces are bind-mounted on
/// their FILEs once they exist and before the program runs, so they outlive
/// it (as unshare(1) does; `umount FILE` releases one). The binds are made
/// from the caller's mount namespace: by the parent in fork mode, by a
/// helper forked before unshare in place; a launch that fails afterwards
/// takes them away again. Each FILE is opened first without following a
/// symbolic link, and the bind goes through that descriptor: the file
/// checked is the file bound (a link planted in a shared directory cannot
/// redirect it).
struct KeptNamespaces {
    /// In a fixed order: the in-place helper reports a failure by index.
    let files: [KeptNamespace]
    /// O_PATH descriptors of the files, in the same order.
    private(set) var fds: [Int32] = []

    /// Opens and checks every FILE: it exists, is no symbolic link, and a mount namespace's
    /// FILE is not on a shared mount (the bind would propagate into the namespace it holds;
    /// the kernel says only EINVAL).
    init(_ files: [KeptNamespace]) throws {
        self.files = files
        do {
            for file in files { fds.append(try Self.open(file)) }
        } catch {
            close()
            throw error
        }
    }

    var isEmpty: Bool { files.isEmpty }

    /// Where the bind mounts go: the opened files.
    var targets: [String] { fds.map { "/proc/self/fd/\($0)" } }

    private static func open(_ file: KeptNamespace) throws -> Int32 {
        let name = "\(file.namespace.option)=\(file.path)"
        let fd = Glibc.open(file.path, SW_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SwcloneError.setup("\(name): \(errnoText(errno)); the file must exist") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT != S_IFLNK else {
            Glibc.close(fd)
            throw SwcloneError.setup(
                "\(name): a symbolic link; give the file itself (the namespace is bound on the link's own path, never where it points)")
        }
        guard file.namespace == .mount else { return fd }
        var id: UInt64 = 0
        if sw_mount_id(fd, &id) == 0, let mount = MountInfoLine.all().first(where: { $0.id == id }),
            mount.shared
        {
            Glibc.close(fd)
            let dir = parentDirectory(file.path)
            throw SwcloneError.setup(
                "\(name): \(mount.mountPoint) is a shared mount, so the namespace would propagate "
                    + "into itself; put the file on a private mount, e.g. mount --bind \(dir) \(dir) && mount --make-private \(dir)")
        }
        return fd
    }

    func close() {
        for fd in fds { Glibc.close(fd) }
    }

    /// The file of process `pid` that holds its new `namespace`. A PID or
    /// time namespace is the one for children, as in unshare: in place the
    /// launcher itself is not in them.
    static func source(_ namespace: Namespace, pid: pid_t) -> String {
        switch namespace {
        case .pid, .time: "/proc/\(pid)/ns/\(namespace.rawValue)_for_children"
        default: "/proc/\(pid)/ns/\(namespace.procName)"
        }
    }

    /// Fork mode: the parent binds the child's namespaces, all or none.
    func bind(pid: pid_t) throws {
        for (i, (file, target)) in zip(files, targets).enumerated() {
            guard mount(Self.source(file.namespace, pid: pid), target, nil, UInt(MS_BIND), nil) == 0 else {
                let err = errno
                unbind(count: i)
                throw SwcloneError.setup("\(file.namespace.option)=\(file.path): cannot bind-mount the namespace on it: \(errnoText(err))")
            }
        }
    }

    /// Takes the binds away again (the first `count`, or all), by path and never through a link.
    func unbind(count: Int? = nil) {
        for file in files.prefix(count ?? files.count) { umount2(file.path, Int32(MNT_DETACH) | SW_UMOUNT_NOFOLLOW) }
    }
}

private func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
