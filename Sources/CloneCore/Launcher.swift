import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// Carries out a launch: reads the facts, makes the plan, joins what
/// `swclone enter` joins, starts the program the way the plan says, and
/// ends the way the program ended.
public enum Launcher {
    public static func launch(_ spec: LaunchSpec) throws -> Never {
        var target: TargetProcess?
        if let join = spec.join { target = try TargetProcess.open(join) }
        let plan = try LaunchPlan(spec: spec, facts: .read(for: spec), target: target?.facts)
        // Before anything is set up: a bad filter is the command line's mistake.
        let filters = try seccompPrograms(plan)
        let kept = try KeptNamespaces(plan.keptNamespaces)
        var joined = JoinOutcome()
        if let join = plan.join, let target {
            joined = try NamespaceJoiner.join(join, target: target, cgroup: plan.cgroup)
            if target.pidfd >= 0 { close(target.pidfd) }
        }
        try prepareBubblewrap(spec.bwrap, plan: plan)
        if plan.start == .inPlace { try runInPlace(plan, joined: joined, kept: kept, filters: filters) }
        let status = plan.jsonStatus.map(JSONStatus.init)
        // Signals wait in the mask from here on, for the supervisor to forward them: none is lost
        // between clone3 and the program's start, and none is a death that would leave the
        // transient cgroup behind. The program gets the caller's mask back.
        var blocked = Supervisor.blockedSignals, callerMask = sigset_t()
        sigprocmask(SIG_BLOCK, &blocked, &callerMask)
        var transient: TransientCgroup?
        if let cgroup = plan.limits?.cgroup { transient = try TransientCgroup(cgroup) }
        let spawned: (child: RunningChild, initReports: Int32)
        do {
            spawned = try spawn(
                plan, joined: joined, kept: kept, status: status, filters: filters, transient: transient, callerMask: callerMask)
        } catch {
            _ = transient?.finish(readUsage: false)
            throw error
        }
        kept.close()
        var supervisor = Supervisor(child: spawned.child, initReports: spawned.initReports, terminal: plan.terminal)
        if let limits = plan.limits {
            supervisor.timeout = limits.timeout
            supervisor.killer = TreeKiller(kind: limits.treeKill, cgroup: transient, child: spawned.child)
        }
        let supervision = supervisor.run()
        var usage: CgroupUsage?
        if let transient { usage = transient.finish(readUsage: status != nil || plan.limits?.memoryMax != nil) }
        let result = LaunchResult(supervision, usage: usage, limits: plan.limits)
        result.report()
        status?.ended(result)
        result.exitLikeIt()
    }

    /// What bubblewrap's options ask of swclone itself before the child exists: to die with its
    /// parent, the namespaces to create the sandbox in, a descriptor to hold; and, as bubblewrap,
    /// every source of the view found before anything is made.
    private static func prepareBubblewrap(_ b: BubblewrapSettings, plan: LaunchPlan) throws {
        if b.dieWithParent {
            switch sw_die_with_parent(getppid()) {
            case 0: break
            case 1: throw SwcloneError.setup("--die-with-parent: swclone's parent has already gone")
            default: throw SwcloneError.setup("--die-with-parent: cannot set the parent-death signal: \(errnoText(errno))")
            }
        }
        if plan.spec.view.buildsRoot { try findSources(plan) }
        if let fd = b.userNamespaceFD { try joinNamespace(fd, type: SW_CLONE_NEWUSER, option: "--userns") }
        if let fd = b.pidNamespaceFD { try joinNamespace(fd, type: SW_CLONE_NEWPID, option: "--pidns") }
        // Held open by swclone, which lives as long as the sandbox; the program does not get it.
        if let fd = b.syncFD { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
    }

    private static func findSources(_ plan: LaunchPlan) throws {
        for case .view(let operation, _) in plan.steps {
            guard case .bind(let source, _, false) = operation.kind, access(source, F_OK) != 0, errno == ENOENT else { continue }
            throw SwcloneError(
                "\(operation.option): cannot use the source: \(errnoText(ENOENT))", status: ExitStatus.setupFailed,
                bwrapMessage: "Can't find source path \(source): \(String(cString: strerror(ENOENT)))")
        }
    }

    private static func joinNamespace(_ fd: Int32, type: UInt64, option: String) throws {
        guard sw_setns(fd, Int32(truncatingIfNeeded: type)) == 0 else {
            throw SwcloneError.setup("\(option) \(fd): cannot join the namespace: \(errnoText(errno))")
        }
    }

    /// unshare(1) without --fork: the program replaces swclone and keeps its PID.
    private static func runInPlace(_ plan: LaunchPlan, joined: JoinOutcome, kept: KeptNamespaces, filters: [[UInt8]]) throws -> Never {
        // --join-cgroup --no-fork: no child to create inside the cgroup, so swclone moves itself there (as nsenter).
        if case .target(let dir) = plan.cgroup { try moveIntoCgroup(joined.cgroupFD, path: dir) }
        var resources = ChildResources()
        resources.join = joined
        sigprocmask(SIG_SETMASK, nil, &resources.signalMask)
        resources.seccompPrograms = filters
        // Maps swclone cannot write for itself after unshare: a helper writes them.
        let mapWriter = try plan.outsideMaps.map(OutsideMapWriter.init)
        let pid = getpid()
        resources.helperMaps = mapWriter.map { UserMapsPlan($0, pid: pid) }
        let keeper = kept.isEmpty ? nil : try kept.startKeeper(pid: pid)
        if let keeper {
            resources.keepReadyFD = keeper.readyFD
            resources.keepAnswerFD = keeper.answerFD
            // It hears "executing" just before the exec: end-of-file without it (swclone killed
            // during its set-up) takes the binds back.
            resources.keeperFD = keeper.readyFD
        }
        let child = ChildStructure(plan, resources: resources)
        let failure = sw_run_in_place(child.pointer)
        // The keeper takes back binds it made; end-of-file tells one still waiting that there is nothing to keep.
        if let keeper {
            if plan.failedAfterKeeping(failure) { keeper.undo() } else { keeper.close() }
        }
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
    /// went wrong, having taken back what it did), with the read end of
    /// --init's status pipe (or -1).
    private static func spawn(
        _ plan: LaunchPlan, joined: JoinOutcome, kept: KeptNamespaces,
        status: JSONStatus?, filters: [[UInt8]], transient: TransientCgroup?, callerMask: sigset_t
    ) throws -> (RunningChild, Int32) {
        let mapWriter = try plan.outsideMaps.map(OutsideMapWriter.init)
        let cgroup = try plan.cgroup.flatMap { choice -> CgroupDirectory? in
            guard case .into(let dir) = choice else { return nil }
            return try CgroupDirectory(dir)
        }
        defer { cgroup?.close() }
        var cgroupFD = cgroup?.fd ?? joined.cgroupFD
        if let transient, transient.fd >= 0 { cgroupFD = transient.fd }

        // The child announces its namespaces on the error pipe and waits for the binds, which the
        // keeper, started now in the caller's mount namespace, makes for its PID; the child tells it
        // "executing" itself, so that only its exec keeps them (swclone may be killed before).
        // Started before the other pipes, so that it holds none of their ends.
        var keeper = kept.isEmpty ? nil : try kept.startKeeper(pid: nil)
        let errors = try Pipe()
        let sync = plan.waitsForParent ? try Pipe() : nil
        let keep = kept.isEmpty ? nil : try Pipe()
        let reports = plan.runsInit ? try Pipe(nonBlocking: true) : nil
        var resources = ChildResources()
        resources.join = joined
        resources.seccompPrograms = filters
        resources.errorFD = errors.writeEnd
        resources.syncFD = sync?.readEnd ?? -1
        resources.keepReadyFD = keep == nil ? -1 : errors.writeEnd
        resources.keepAnswerFD = keep?.readEnd ?? -1
        resources.initReportsFD = reports?.writeEnd ?? -1
        resources.keeperFD = keeper?.readyFD ?? -1
        resources.parentFDs.append(errors.readEnd)
        if let sync { resources.parentFDs.append(sync.writeEnd) }
        if let keep { resources.parentFDs.append(keep.writeEnd) }
        if let keeper { resources.parentFDs.append(keeper.answerFD) }
        if let reports { resources.parentFDs.append(reports.readEnd) }
        resources.timeNamespaceSlot = status?.timeNamespaceSlot
        resources.signalMask = callerMask
        // --kill-child: the child checks this pidfd after its prctl, in case swclone died before.
        if plan.killChildSignal != nil {
            resources.parentPidfd = sw_pidfd_open(getpid(), 0)
            guard resources.parentPidfd >= 0 else {
                throw SwcloneError.setup("--kill-child: cannot open a pidfd for swclone: \(errnoText(errno))")
            }
        }
        let structure = ChildStructure(plan, resources: resources)

        var pidfd: Int32 = -1
        var flags = cloneFlags(plan.namespaceFlags) | SW_CLONE_PIDFD
        if cgroupFD >= 0 { flags |= SW_CLONE_INTO_CGROUP }
        let owner = try plan.spec.owner.map(OwnerCredentials.take)
        let pid = plan.setTID.withUnsafeBufferPointer { tids in
            sw_spawn(
                structure.pointer, flags, &pidfd, tids.isEmpty ? nil : tids.baseAddress, tids.count, cgroupFD,
                plan.start == .sharedMemory)
        }
        let cloneErrno = errno
        owner?.restore()
        errors.closeWriteEnd()
        sync?.closeReadEnd()
        keep?.closeReadEnd()
        reports?.closeWriteEnd()
        if resources.parentPidfd >= 0 { close(resources.parentPidfd) }
        guard pid > 0 else {
            keeper?.close()
            throw cloneFailure(cloneErrno, plan: plan)
        }
        let child = RunningChild(pid: pid, pidfd: pidfd)
        let terminal = plan.terminal.map { ForegroundTerminal(fd: $0) }
        // --info-fd: once the sandbox exists (whoever reads it may write its maps, with --userns-block-fd).
        if let fd = plan.spec.bwrap.infoFD {
            JSONStatus.writeFirstLine(
                fd: fd, pid: pid, namespaces: JSONStatus.namespaceInodes(pid: pid, namespaces: plan.namespaceFlags), indented: true)
            close(fd)
        }

        /// The child is gone or killed, and what it left undone: before the program ran, nothing stays.
        func abandon(_ error: SwcloneError, kill: Bool = true, bound: Bool = false) -> SwcloneError {
            if kill { child.kill() } else { _ = child.waitForEnd() }
            if bound { keeper?.undo() } else { keeper?.close() }
            keeper = nil
            terminal?.reclaim(from: pid)
            return error
        }

        var namespaces: [(Namespace, UInt64)] = []
        if let sync {
            do {
                try mapWriter?.write(for: pid)
            } catch let error as SwcloneError {
                throw abandon(error)
            }
            if status != nil, plan.jsonStatus?.readsNamespaces == true {
                namespaces = JSONStatus.namespaceInodes(pid: pid, namespaces: plan.namespaceFlags)
            }
            sync.release()
        }
        if let keep, let binder = keeper {
            // A failure before the namespaces existed comes instead of the announcement.
            switch errors.readRecord() {
            case let record? where record.step == .none:
                switch binder.bind(pid: pid) {
                case let answer? where answer.step == .none: keep.send(answer)
                case let failure?: throw abandon(describe(failure, plan: plan))
                case nil: throw abandon(.setup("cannot keep the namespaces: their helper ended without an answer"))
                }
            case let failure?:
                throw abandon(describe(failure, plan: plan), kill: false)
            case nil:
                let end = child.waitForEnd()
                throw abandon(diedDuringSetUp(end, plan: plan), kill: false)
            }
        }
        switch errors.readOutcome() {
        case .executing:
            // The exec closed the child's end of the keeper's pipe, after "executing": the binds stay.
            keeper?.close()
            keeper = nil
        case .failed(let failure):
            throw abandon(describe(failure, plan: plan), kill: false, bound: true)
        case .died:
            let end = child.waitForEnd()
            keeper?.undo()
            keeper = nil
            terminal?.reclaim(from: pid)
            throw diedDuringSetUp(end, plan: plan)
        }
        do {
            try status?.started(pid: pid, namespaces: namespaces)
        } catch let error as SwcloneError {
            throw abandon(error)
        }
        return (child, reports?.readEnd ?? -1)
    }

    /// The child ended without a report and before the program ran: a set-up failure, never the program's end.
    private static func diedDuringSetUp(_ end: ProgramEnd, plan: LaunchPlan) -> SwcloneError {
        switch end {
        case .killed(let signal):
            let name = signalName(signal)
            let what = name.first?.isNumber == true ? "signal \(name)" : "SIG\(name)"
            // The kernel kills what enters a PID namespace whose init is exiting.
            let why =
                signal == SIGKILL && plan.join?.joined.contains(.pid) == true
                ? " (the PID namespace it joined may be ending: its init exited)" : ""
            return .setup("the child was killed by \(what) while setting up, before the program ran" + why)
        case .exited(let status):
            return .setup("the child ended with status \(status) while setting up, before the program ran")
        }
    }
}

enum ChildOutcome {
    case executing
    case failed(sw_failure)
    case died
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

    /// What the child said before its exec: it got there (end-of-file after "executing": exec
    /// closed the pipe), a step failed, or it died on the way.
    func readOutcome() -> ChildOutcome {
        defer { close(readEnd) }
        var executing = false
        while let record = readRecord() {
            if record.step != .none { return .failed(record) }
            if record.err == sw_progress.executing.rawValue { executing = true }
        }
        return executing ? .executing : .died
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
