import CShim
import Glibc
import LaunchSpec

/// Starts the program a spec describes and ends the way the program ended.
public enum Launcher {
    public static func launch(_ spec: LaunchSpec) throws -> Never {
        var spec = spec
        let kept = KeptNamespaces(spec)
        try kept.check()
        var joined = JoinResult()
        if let join = spec.join { joined = try NamespaceJoiner.enter(join, spec: &spec) }
        if spec.fork {
            let status = spec.jsonStatusFD.map { JSONStatus(fd: $0, spec: spec) }
            // With --new-session the program has no controlling terminal to take.
            let terminal = spec.newSession ? nil : ForegroundTerminal.ofStandardInput()
            let (child, initReports) = try spawn(spec, joined: joined, kept: kept, status: status, terminal: terminal)
            let end = Supervisor(child: child, initReports: initReports, terminal: terminal).run()
            status?.ended(end)
            end.exitLikeIt()
        }
        try runInPlace(spec, joined: joined, kept: kept)
    }

    /// unshare(1) without --fork: the program replaces swclone and keeps its PID.
    private static func runInPlace(_ spec: LaunchSpec, joined: JoinResult, kept: KeptNamespaces) throws -> Never {
        let plan = try ChildPlan(spec: spec, inPlace: true)
        if joined.groupsDropped { plan.child.pointee.setgroups_denied = 1 }
        if joined.cgroupFD >= 0 { try moveIntoCgroup(joined) }
        // Maps the launcher cannot write for itself after unshare: a helper writes them.
        var outside: (writer: OutsideMapWriter, plan: UserMapsPlan)?
        if let user = spec.userNamespace, !plan.writesOwnMaps {
            let writer = try OutsideMapWriter(user)
            let maps = UserMapsPlan(writer, pid: getpid())
            plan.child.pointee.helper_maps = UnsafePointer(maps.maps)
            plan.child.pointee.map_report = maps.report
            outside = (writer, maps)
        }
        if !kept.isEmpty {
            let sources = kept.files.map { KeptNamespaces.source($0.namespace, pid: getpid()) }
            let keeper = sw_start_keeper(plan.strings(sources), plan.strings(kept.files.map(\.path)), Int32(kept.files.count),
                                         &plan.child.pointee.keep_ready_fd, &plan.child.pointee.keep_answer_fd)
            guard keeper > 0 else { throw SwcloneError.setup("cannot start the helper that keeps the namespaces: \(errnoText(errno))") }
            plan.child.pointee.keeper = keeper
        }
        let failure = sw_run_in_place(plan.child)
        if failure.step == Int32(SW_STEP_ID_MAPS.rawValue), let outside {
            throw outside.writer.failure(outside.plan.report.pointee, pid: getpid())
        }
        if failure.step >= SW_STEP_KEEP_NS.rawValue {
            throw kept.failure(index: Int(failure.step) - Int(SW_STEP_KEEP_NS.rawValue), err: failure.err)
        }
        throw describe(failure, spec: spec)
    }

    /// --join-cgroup --no-fork: no child to create inside the cgroup, so
    /// swclone moves itself there before it execs the program (as nsenter).
    private static func moveIntoCgroup(_ joined: JoinResult) throws {
        let fd = openat(joined.cgroupFD, "cgroup.procs", O_WRONLY | O_CLOEXEC)
        let written = fd >= 0 && write(fd, "0", 1) == 1
        let err = errno
        if fd >= 0 { close(fd) }
        guard written else {
            throw SwcloneError.setup("--join-cgroup: cannot move into \(joined.cgroupPath): \(errnoText(err))")
        }
    }

    /// Creates the child with clone3 (in its cgroup, with its PIDs), writes
    /// its ID maps, keeps its namespaces in files, releases it, and returns
    /// once it has exec'd the program (or throws what went wrong), with the
    /// read end of --init's status pipe (or -1).
    private static func spawn(_ spec: LaunchSpec, joined: JoinResult, kept: KeptNamespaces, status: JSONStatus?,
                              terminal: ForegroundTerminal?) throws -> (RunningChild, Int32) {
        let plan = try ChildPlan(spec: spec, inPlace: false)
        if joined.groupsDropped { plan.child.pointee.setgroups_denied = 1 }
        plan.child.pointee.time_ns_inode = status?.timeNamespaceSlot
        // Maps the child cannot write for itself (see ChildPlan) are written from here.
        let mapWriter = plan.writesOwnMaps ? nil : try spec.userNamespace.map(OutsideMapWriter.init)
        let cgroup = try spec.intoCgroup.map(CgroupDirectory.init)
        defer { cgroup?.close() }
        // --into-cgroup, or swclone enter --join-cgroup: the program starts in that cgroup.
        let cgroupFD = cgroup?.fd ?? joined.cgroupFD
        let errors = try Pipe()
        // The child waits for the ID maps written here, and while --json-status reads its new namespaces.
        let readInodes = status != nil && !spec.namespaces.subtracting([.time]).isEmpty
        let sync = mapWriter == nil && !readInodes ? nil : try Pipe()
        // The child announces its namespaces on the error pipe and waits for the binds.
        let keep = kept.isEmpty ? nil : try Pipe()
        let reports = spec.runsInit ? try Pipe(nonBlocking: true) : nil
        plan.child.pointee.error_fd = errors.writeEnd
        plan.child.pointee.sync_fd = sync?.readEnd ?? -1
        plan.child.pointee.keep_ready_fd = keep == nil ? -1 : errors.writeEnd
        plan.child.pointee.keep_answer_fd = keep?.readEnd ?? -1
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
        var flags = cloneFlags(spec.namespaces.subtracting([.time])) | SW_CLONE_PIDFD
        if cgroupFD >= 0 { flags |= SW_CLONE_INTO_CGROUP }
        // A child that needs nothing from swclone before its exec borrows swclone's memory
        // meanwhile (as posix_spawn): no page tables to copy, no copy-on-write faults.
        let sharesMemory = sync == nil && keep == nil && reports == nil && plan.child.pointee.new_time == 0
            && spec.setTID.isEmpty && cgroupFD < 0
        let pid = spec.setTID.withUnsafeBufferPointer { tids in
            sw_spawn(plan.child, flags, &pidfd, tids.isEmpty ? nil : tids.baseAddress, tids.count, cgroupFD, sharesMemory)
        }
        let cloneErrno = errno
        errors.closeWriteEnd()
        sync?.closeReadEnd()
        keep?.closeReadEnd()
        reports?.closeWriteEnd()
        if selfPidfd >= 0 { close(selfPidfd) }
        guard pid > 0 else {
            throw cloneFailure(cloneErrno, spec: spec, joined: joined)
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
        if let keep {
            // A failure before the namespaces existed comes instead of the announcement.
            let announcement = errors.readRecord()
            guard let ready = announcement, ready.step == SW_STEP_NONE.rawValue else {
                _ = child.waitForEnd()
                throw announcement.map { describe($0, spec: spec) }
                    ?? SwcloneError.setup("the child ended before its namespaces could be kept")
            }
            do {
                try kept.bind(pid: pid)
            } catch {
                child.kill()
                throw error
            }
            keep.send(sw_failure())
        }
        if let failure = errors.readFailure() {
            _ = child.waitForEnd()
            terminal?.reclaim(from: pid)
            throw describe(failure, spec: spec)
        }
        do {
            try status?.started(pid: pid, namespaces: namespaces)
        } catch {
            child.kill()
            terminal?.reclaim(from: pid)
            throw error
        }
        return (child, reports?.readEnd ?? -1)
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

    /// Answers a child waiting for a record (step 0: go on).
    func send(_ record: sw_failure) {
        var record = record
        _ = write(writeEnd, &record, MemoryLayout<sw_failure>.size)
        close(writeEnd)
    }

    /// The child's report, or nil at end-of-file: exec succeeded.
    func readFailure() -> sw_failure? {
        defer { close(readEnd) }
        return readRecord()
    }

    /// One record from the child, leaving the pipe open; nil at end-of-file.
    func readRecord() -> sw_failure? {
        var failure = sw_failure()
        let size = MemoryLayout<sw_failure>.size
        var n: Int
        repeat { n = read(readEnd, &failure, size) } while n < 0 && errno == EINTR
        return n == size ? failure : nil
    }
}
