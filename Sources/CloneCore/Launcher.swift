import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// Carries out a launch: reads the facts, makes the plan, joins what
/// `swclone enter` joins, starts the program the way the plan says, and
/// ends the way the program ended.
public enum Launcher {
    public static func launch(_ spec: LaunchSpec) throws -> Never {
        let target = try spec.join.map(TargetProcess.open)
        let plan = try LaunchPlan(spec: spec, facts: .read(for: spec), target: target?.facts)
        try KeptNamespaces(plan.keptNamespaces).check()
        var joined = JoinOutcome()
        if let join = plan.join, let target {
            joined = try NamespaceJoiner.join(join, target: target, cgroup: plan.cgroup)
            if target.pidfd >= 0 { close(target.pidfd) }
        }
        if plan.start == .inPlace { try runInPlace(plan, joined: joined) }
        let status = plan.jsonStatus.map(JSONStatus.init)
        let (child, initReports) = try spawn(plan, joined: joined, status: status)
        let end = Supervisor(child: child, initReports: initReports, terminal: plan.terminal).run()
        status?.ended(end)
        end.exitLikeIt()
    }

    /// unshare(1) without --fork: the program replaces swclone and keeps its PID.
    private static func runInPlace(_ plan: LaunchPlan, joined: JoinOutcome) throws -> Never {
        // --join-cgroup --no-fork: no child to create inside the cgroup, so swclone moves itself there (as nsenter).
        if case .target(let dir) = plan.cgroup { try moveIntoCgroup(joined.cgroupFD, path: dir) }
        var resources = ChildResources()
        resources.join = joined
        // Maps swclone cannot write for itself after unshare: a helper writes them.
        let mapWriter = try plan.outsideMaps.map(OutsideMapWriter.init)
        let pid = getpid()
        resources.helperMaps = mapWriter.map { UserMapsPlan($0, pid: pid) }
        let kept = KeptNamespaces(plan.keptNamespaces)
        let keeperPaths = CAllocations()
        if !kept.isEmpty {
            let sources = kept.files.map { KeptNamespaces.source($0.namespace, pid: pid) }
            resources.keeper = sw_start_keeper(keeperPaths.constArray(sources), keeperPaths.constArray(kept.files.map { $0.path }),
                                               Int32(kept.files.count), &resources.keepReadyFD, &resources.keepAnswerFD)
            guard resources.keeper > 0 else {
                throw SwcloneError.setup("cannot start the helper that keeps the namespaces: \(errnoText(errno))")
            }
        }
        let child = ChildStructure(plan, resources: resources)
        let failure = sw_run_in_place(child.pointer)
        throw describe(failure, plan: plan, mapWriter: mapWriter.map { ($0, resources.helperMaps!.report.pointee, pid) })
    }

    private static func moveIntoCgroup(_ cgroupFD: Int32, path: String) throws {
        let fd = openat(cgroupFD, "cgroup.procs", O_WRONLY | O_CLOEXEC)
        let written = fd >= 0 && write(fd, "0", 1) == 1
        let err = errno
        if fd >= 0 { close(fd) }
        guard written else { throw SwcloneError.setup("--join-cgroup: cannot move into \(path): \(errnoText(err))") }
    }

    /// Creates the child, writes its ID maps, keeps its namespaces in files,
    /// releases it, and returns once it has exec'd the program (or throws what
    /// went wrong), with the read end of --init's status pipe (or -1).
    private static func spawn(_ plan: LaunchPlan, joined: JoinOutcome, status: JSONStatus?) throws -> (RunningChild, Int32) {
        let mapWriter = try plan.outsideMaps.map(OutsideMapWriter.init)
        let cgroup = try plan.cgroup.flatMap { choice -> CgroupDirectory? in
            guard case .into(let dir) = choice else { return nil }
            return try CgroupDirectory(dir)
        }
        defer { cgroup?.close() }
        let cgroupFD = cgroup?.fd ?? joined.cgroupFD
        let kept = KeptNamespaces(plan.keptNamespaces)

        let errors = try Pipe()
        let sync = plan.waitsForParent ? try Pipe() : nil
        // The child announces its namespaces on the error pipe and waits for the binds.
        let keep = kept.isEmpty ? nil : try Pipe()
        let reports = plan.runsInit ? try Pipe(nonBlocking: true) : nil
        var resources = ChildResources()
        resources.join = joined
        resources.errorFD = errors.writeEnd
        resources.syncFD = sync?.readEnd ?? -1
        resources.keepReadyFD = keep == nil ? -1 : errors.writeEnd
        resources.keepAnswerFD = keep?.readEnd ?? -1
        resources.initReportsFD = reports?.writeEnd ?? -1
        resources.timeNamespaceSlot = status?.timeNamespaceSlot
        // --kill-child: the child checks this pidfd after its prctl, in case swclone died before.
        if plan.killChildSignal != nil {
            resources.parentPidfd = sw_pidfd_open(getpid(), 0)
            guard resources.parentPidfd >= 0 else {
                throw SwcloneError.setup("--kill-child: cannot open a pidfd for swclone: \(errnoText(errno))")
            }
        }
        let structure = ChildStructure(plan, resources: resources)

        // Signals arriving from now on wait in the mask for the supervisor to forward them.
        var blocked = Supervisor.blockedSignals
        sigprocmask(SIG_BLOCK, &blocked, nil)

        var pidfd: Int32 = -1
        var flags = cloneFlags(plan.namespaceFlags) | SW_CLONE_PIDFD
        if cgroupFD >= 0 { flags |= SW_CLONE_INTO_CGROUP }
        let pid = plan.setTID.withUnsafeBufferPointer { tids in
            sw_spawn(structure.pointer, flags, &pidfd, tids.isEmpty ? nil : tids.baseAddress, tids.count, cgroupFD, plan.start == .sharedMemory)
        }
        let cloneErrno = errno
        errors.closeWriteEnd()
        sync?.closeReadEnd()
        keep?.closeReadEnd()
        reports?.closeWriteEnd()
        if resources.parentPidfd >= 0 { close(resources.parentPidfd) }
        guard pid > 0 else { throw cloneFailure(cloneErrno, plan: plan) }
        let child = RunningChild(pid: pid, pidfd: pidfd)

        var namespaces: [(Namespace, UInt64)] = []
        if let sync {
            do {
                try mapWriter?.write(for: pid)
            } catch {
                child.kill()
                throw error
            }
            if let status, plan.jsonStatus?.readsNamespaces == true {
                namespaces = status.namespaceInodes(pid: pid, namespaces: plan.namespaceFlags)
            }
            sync.release()
        }
        if let keep {
            // A failure before the namespaces existed comes instead of the announcement.
            let announcement = errors.readRecord()
            guard let ready = announcement, ready.step == .none else {
                _ = child.waitForEnd()
                throw announcement.map { describe($0, plan: plan) }
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
            plan.terminal.map { ForegroundTerminal(fd: $0) }?.reclaim(from: pid)
            throw describe(failure, plan: plan)
        }
        do {
            try status?.started(pid: pid, namespaces: namespaces)
        } catch {
            child.kill()
            plan.terminal.map { ForegroundTerminal(fd: $0) }?.reclaim(from: pid)
            throw error
        }
        return (child, reports?.readEnd ?? -1)
    }
}

/// A close-on-exec pipe between swclone and its child.
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

    /// Answers a child waiting for a record (step none: go on).
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
