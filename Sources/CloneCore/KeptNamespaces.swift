import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// `--uts=FILE` and its siblings: the new namespaces are bind-mounted on
/// their FILEs once they exist and before the program runs, so they outlive
/// it (as unshare(1) does; `umount FILE` releases one). The binds are made
/// from the caller's mount namespace by a helper forked before the
/// namespaces exist (the keeper, sw_start_keeper), which keeps them only
/// once the program's own exec is under way: a launch that fails afterwards,
/// or whose swclone is killed before the exec, leaves no file bound. Each
/// FILE is opened first without following a symbolic link, and the bind
/// goes through that descriptor: the file checked is the file bound (a link
/// planted in a shared directory cannot redirect it).
struct KeptNamespaces {
    /// In a fixed order: the keeper reports a failure by index.
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

    /// Starts the keeper: `pid` is whose namespaces it binds (swclone's, in place), or nil for a
    /// child made later, whose PID `Keeper.bind(pid:)` passes on.
    func startKeeper(pid: pid_t?) throws -> Keeper {
        let memory = CAllocations()
        var ready: Int32 = -1, answer: Int32 = -1
        guard
            sw_start_keeper(
                pid ?? 0, memory.constArray(files.map { Self.procFile($0.namespace) }), memory.constArray(targets),
                memory.constArray(files.map { $0.path }), Int32(files.count), &ready, &answer) == 0
        else {
            throw SwcloneError.setup("cannot start the helper that keeps the namespaces: \(errnoText(errno))")
        }
        return Keeper(readyFD: ready, answerFD: answer)
    }

    /// The file under /proc/PID/ns that holds the new `namespace`. A PID or time namespace is
    /// the one for children, as in unshare: in place the launcher itself is not in them.
    private static func procFile(_ namespace: Namespace) -> String {
        switch namespace {
        case .pid, .time: "\(namespace.rawValue)_for_children"
        default: namespace.procName
        }
    }
}

/// swclone's ends of the keeper's pipes: it hears on `readyFD` that the namespaces exist (and,
/// from the process about to exec the program, "executing"), and answers on `answerFD`.
struct Keeper {
    let readyFD: Int32
    let answerFD: Int32

    /// A child's namespaces exist: the keeper binds them; its answer (step none: done, or the
    /// failed bind), or nil if it ended without one.
    func bind(pid: pid_t) -> sw_failure? {
        var record = sw_failure()
        record.err = sw_progress.namespacesReady.rawValue
        record.index = pid
        let size = MemoryLayout<sw_failure>.size
        guard write(readyFD, &record, size) == size else { return nil }
        var n: Int
        repeat { n = read(answerFD, &record, size) } while n < 0 && errno == EINTR
        return n == size ? record : nil
    }

    /// The launch failed after the binds: the keeper takes them away, and swclone waits until it has.
    func undo() {
        sw_undo_keeper(readyFD, answerFD)
        close()
    }

    /// swclone's part is done: end-of-file (once the program's exec closed its copy) keeps the binds
    /// if the keeper heard "executing", and takes them away if not.
    func close() {
        Glibc.close(readyFD)
        Glibc.close(answerFD)
    }
}

private func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
