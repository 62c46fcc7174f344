import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// `--uts=FILE` and its siblings: the new namespaces are bind-mounted on
/// their FILEs once they exist and before the program runs, so they outlive
/// it (as unshare(1) does; `umount FILE` releases one). The binds are made
/// from the caller's mount namespace: by the parent in fork mode, by a
/// helper forked before unshare in place.
struct KeptNamespaces {
    /// In a fixed order: the in-place helper reports a failure by index.
    let files: [(namespace: Namespace, path: String)]

    init(_ kept: [KeptNamespace]) {
        files = kept.map { ($0.namespace, $0.path) }
    }

    var isEmpty: Bool { files.isEmpty }

    /// The file of process `pid` that holds its new `namespace`. A PID or
    /// time namespace is the one for children, as in unshare: in place the
    /// launcher itself is not in them.
    static func source(_ namespace: Namespace, pid: pid_t) -> String {
        switch namespace {
        case .pid, .time: "/proc/\(pid)/ns/\(namespace.rawValue)_for_children"
        default: "/proc/\(pid)/ns/\(namespace.procName)"
        }
    }

    /// What can be checked before anything is created: each FILE exists, and
    /// a mount namespace's FILE is not on a shared mount (the bind would
    /// propagate into the namespace it holds; the kernel says only EINVAL).
    func check() throws {
        for (namespace, path) in files {
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw SwcloneError.setup("\(namespace.option)=\(path): \(errnoText(errno)); the file must exist")
            }
            guard namespace == .mount else { continue }
            var id: UInt64 = 0
            guard sw_mount_id(path, &id) == 0 else { continue }
            if let mount = MountInfoLine.all().first(where: { $0.id == id }),
               mount.tags.contains(where: { $0.hasPrefix("shared:") }) {
                let dir = parentDirectory(path)
                throw SwcloneError.setup("\(namespace.option)=\(path): \(mount.mountPoint) is a shared mount, so the "
                    + "namespace would propagate into itself; put the file on a private mount, e.g. "
                    + "mount --bind \(dir) \(dir) && mount --make-private \(dir)")
            }
        }
    }

    /// Fork mode: the parent binds the child's namespaces, all or none.
    func bind(pid: pid_t) throws {
        for (i, (namespace, path)) in files.enumerated() {
            guard mount(Self.source(namespace, pid: pid), path, nil, UInt(MS_BIND), nil) == 0 else {
                let err = errno
                for done in files[..<i] { umount2(done.path, Int32(MNT_DETACH)) }
                throw failure(index: i, err: err)
            }
        }
    }

    func failure(index: Int, err: Int32) -> SwcloneError {
        guard files.indices.contains(index) else { return .setup("cannot keep the namespaces: \(errnoText(err))") }
        let (namespace, path) = files[index]
        return .setup("\(namespace.option)=\(path): cannot bind-mount the namespace on it: \(errnoText(err))")
    }
}

private func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
