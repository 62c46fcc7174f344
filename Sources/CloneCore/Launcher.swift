import CShim
import Glibc
import LaunchSpec

/// Starts the program a spec describes and ends the way the program ended.
public enum Launcher {
    public static func launch(_ spec: LaunchSpec) throws -> Never {
        if spec.fork {
            let terminal = ForegroundTerminal.ofStandardInput()
            let (child, initReports) = try spawn(spec, terminal: terminal)
            let end = Supervisor(child: child, initReports: initReports, terminal: terminal).run()
            end.exitLikeIt()
        }
        try runInPlace(spec)
    }

    /// unshare(1) without --fork: the program replaces swclone and keeps its PID.
    private static func runInPlace(_ spec: LaunchSpec) throws -> Never {
        let plan = ChildPlan(spec: spec, inPlace: true)
        let failure = sw_run_in_place(plan.child)
        throw describe(failure, spec: spec)
    }

    /// Creates the child with clone3, writes its ID maps, releases it, and
    /// returns once it has exec'd the program (or throws what went wrong),
    /// with the read end of --init's status pipe (or -1).
    private static func spawn(_ spec: LaunchSpec, terminal: ForegroundTerminal?) throws -> (RunningChild, Int32) {
        let plan = ChildPlan(spec: spec, inPlace: false)
        let errors = try Pipe()
        let sync = spec.userNamespace == nil ? nil : try Pipe()
        let reports = spec.runsInit ? try Pipe(nonBlocking: true) : nil
        plan.child.pointee.error_fd = errors.writeEnd
        plan.child.pointee.sync_fd = sync?.readEnd ?? -1
        plan.child.pointee.status_fd = reports?.writeEnd ?? -1
        // --kill-child: the child checks this pidfd after its prctl, in case swclone died before.
        let selfPidfd = spec.killChildSignal == nil ? -1 : sw_pidfd_open(getpid(), 0)
        if spec.killChildSignal != nil && selfPidfd < 0 {
            throw SwcloneError.setup("--kill-child: cannot open a pidfd for swclone: \(errnoText(errno))")
        }
        plan.child.pointee.parent_pidfd = selfPidfd
        plan.child.pointee.foreground_tty = terminal?.fd ?? -1

        // Signals arriving from now on wait in the mask for the supervisor to forward them.
        var previousMask = sigset_t()
        var blocked = Supervisor.blockedSignals
        sigprocmask(SIG_BLOCK, &blocked, &previousMask)
        plan.child.pointee.sigmask = previousMask

        var pidfd: Int32 = -1
        let flags = cloneFlags(spec.namespaces.subtracting([.time])) | SW_CLONE_PIDFD
        let pid = sw_spawn(plan.child, flags, &pidfd, nil, 0, -1)
        let cloneErrno = errno
        errors.closeWriteEnd()
        sync?.closeReadEnd()
        reports?.closeWriteEnd()
        if selfPidfd >= 0 { close(selfPidfd) }
        guard pid > 0 else {
            throw SwcloneError.setup(cloneFailure(cloneErrno, spec: spec))
        }
        let child = RunningChild(pid: pid, pidfd: pidfd)

        if let user = spec.userNamespace, let sync {
            do {
                try writeIDMaps(user, pid: pid)
            } catch {
                child.kill()
                throw error
            }
            sync.release()
        }
        if let failure = errors.readFailure() {
            _ = child.waitForEnd()
            terminal?.reclaim(from: pid)
            throw describe(failure, spec: spec)
        }
        return (child, reports?.readEnd ?? -1)
    }

    private static func cloneFailure(_ err: Int32, spec: LaunchSpec) -> String {
        let new = spec.namespaces.subtracting([.time])
        let what = new.isEmpty ? "cannot create the child" : "cannot create namespaces (\(names(new)))"
        return "\(what): \(errnoText(err))"
    }
}

/// A close-on-exec pipe between the launcher and its child.
struct Pipe {
    let readEnd: Int32
    let writeEnd: Int32

    /// `nonBlocking`: both ends, for a pipe read only when poll says so.
    init(nonBlocking: Bool = false) throws {
        var fds: [Int32] = [-1, -1]
        guard (nonBlocking ? sw_pipe_nonblocking(&fds) : sw_pipe_cloexec(&fds)) == 0 else {
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
