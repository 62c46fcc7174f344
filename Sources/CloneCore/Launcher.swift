import CShim
import Glibc
import LaunchSpec

/// Starts the program a spec describes and ends the way the program ended.
public enum Launcher {
    public static func launch(_ spec: LaunchSpec) throws -> Never {
        if spec.fork {
            let status = spec.jsonStatusFD.map { JSONStatus(fd: $0, spec: spec) }
            let child = try spawn(spec, status: status)
            let end = Supervisor(child: child).run()
            status?.ended(end)
            end.exitLikeIt()
        }
        try runInPlace(spec)
    }

    /// unshare(1) without --fork: the program replaces swclone and keeps its PID.
    private static func runInPlace(_ spec: LaunchSpec) throws -> Never {
        let plan = try ChildPlan(spec: spec, inPlace: true)
        // Maps the launcher cannot write for itself after unshare: a helper writes them.
        var outside: (writer: OutsideMapWriter, plan: UserMapsPlan)?
        if let user = spec.userNamespace, !user.writableBySelf(uid: geteuid(), gid: getegid()) {
            let writer = try OutsideMapWriter(user)
            let maps = UserMapsPlan(writer, pid: getpid())
            plan.child.pointee.helper_maps = UnsafePointer(maps.maps)
            plan.child.pointee.map_report = maps.report
            outside = (writer, maps)
        }
        let failure = sw_run_in_place(plan.child)
        if failure.step == Int32(SW_STEP_ID_MAPS.rawValue), let outside {
            throw outside.writer.failure(outside.plan.report.pointee, pid: getpid())
        }
        throw describe(failure, spec: spec)
    }

    /// Creates the child with clone3 (in its cgroup, with its PIDs), writes
    /// its ID maps, releases it, and returns once it has exec'd the program
    /// (or throws what went wrong).
    private static func spawn(_ spec: LaunchSpec, status: JSONStatus?) throws -> RunningChild {
        let plan = try ChildPlan(spec: spec, inPlace: false)
        plan.child.pointee.time_ns_inode = status?.timeNamespaceSlot
        let mapWriter = try spec.userNamespace.map(OutsideMapWriter.init)
        let cgroup = try spec.intoCgroup.map(CgroupDirectory.init)
        defer { cgroup?.close() }
        let errors = try Pipe()
        // The child waits for its ID maps, and while --json-status reads its new namespaces.
        let readInodes = status != nil && !spec.namespaces.subtracting([.time]).isEmpty
        let sync = spec.userNamespace == nil && !readInodes ? nil : try Pipe()
        plan.child.pointee.error_fd = errors.writeEnd
        plan.child.pointee.sync_fd = sync?.readEnd ?? -1

        // Signals arriving from now on wait in the mask for the supervisor to forward them.
        var previousMask = sigset_t()
        var forwarded = Supervisor.forwardedSignals
        sigprocmask(SIG_BLOCK, &forwarded, &previousMask)
        plan.child.pointee.sigmask = previousMask

        var pidfd: Int32 = -1
        var flags = cloneFlags(spec.namespaces.subtracting([.time])) | SW_CLONE_PIDFD
        if cgroup != nil { flags |= SW_CLONE_INTO_CGROUP }
        let pid = spec.setTID.withUnsafeBufferPointer { tids in
            sw_spawn(plan.child, flags, &pidfd, tids.isEmpty ? nil : tids.baseAddress, tids.count, cgroup?.fd ?? -1)
        }
        let cloneErrno = errno
        errors.closeWriteEnd()
        sync?.closeReadEnd()
        guard pid > 0 else {
            throw cloneFailure(cloneErrno, spec: spec)
        }
        let child = RunningChild(pid: pid, pidfd: pidfd)

        var namespaces: [(Namespace, UInt64)] = []
        if let sync {
            do {
                try mapWriter?.write(for: pid)
            } catch {
                child.kill()
                throw error
            }
            if readInodes { namespaces = JSONStatus.namespaceInodes(pid: pid, spec: spec) }
            sync.release()
        }
        if let failure = errors.readFailure() {
            _ = child.waitForEnd()
            throw describe(failure, spec: spec)
        }
        do {
            try status?.started(pid: pid, namespaces: namespaces)
        } catch {
            child.kill()
            throw error
        }
        return child
    }
}

/// A close-on-exec pipe between the launcher and its child.
struct Pipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&fds) == 0 else {
            throw SwcloneError.setup("cannot create a pipe: \(errnoText(errno))")
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    func closeWriteEnd() { close(writeEnd) }
    func closeReadEnd() { close(readEnd) }

    /// Tells the waiting child to go on.
    func release() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
        close(writeEnd)
    }

    /// The child's report, or nil at end-of-file: exec succeeded.
    func readFailure() -> sw_failure? {
        var failure = sw_failure()
        let size = MemoryLayout<sw_failure>.size
        var n: Int
        repeat { n = read(readEnd, &failure, size) } while n < 0 && errno == EINTR
        close(readEnd)
        return n == size ? failure : nil
    }
}
