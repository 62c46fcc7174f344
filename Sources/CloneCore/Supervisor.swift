import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// The program, running in a clone3 child, held by its pidfd.
struct RunningChild {
    let pid: pid_t
    let pidfd: Int32

    func kill() {
        _ = sw_pidfd_send_signal(pidfd, SIGKILL, nil, 0)
        _ = waitForEnd()
    }

    func waitForEnd() -> ProgramEnd {
        var status: Int32 = 0
        var signal: Int32 = 0
        guard sw_wait_pidfd(pidfd, &status, &signal) == 0 else {
            return .exited(ExitStatus.setupFailed)
        }
        return signal != 0 ? .killed(signal) : .exited(status)
    }
}

/// How the program ended, passed on as swclone's own end.
enum ProgramEnd {
    case exited(Int32)
    case killed(Int32)

    func exitLikeIt() -> Never {
        switch self {
        case .exited(let status): exit(status)
        case .killed(let signal): sw_die_by_signal(signal)
        }
    }
}

/// How the supervision ended: the program's end, and whether --timeout ran out.
struct Supervision {
    var end: ProgramEnd
    /// SIGTERM was sent when the timeout ran out.
    var timedOut = false
    /// The program was still running KILL-AFTER later, and everything was killed.
    var killedAfterTimeout = false
}

/// Waits for the program, forwarding the signals swclone receives to it
/// through its pidfd, and stopping when it stops so the caller's shell sees
/// the job stopped (and continues it, and the program, with `fg`). With
/// --timeout: SIGTERM to the program when it runs out, SIGKILL to the whole
/// tree KILL-AFTER later.
struct Supervisor {
    let child: RunningChild
    /// --init's status pipe (read end, non-blocking), or -1.
    let initReports: Int32
    /// The terminal whose foreground the program's group holds, if any.
    let terminal: ForegroundTerminal?
    var timeout: Timeout?
    var killer: TreeKiller?

    init(child: RunningChild, initReports: Int32, terminal: Int32?) {
        self.child = child
        self.initReports = initReports
        self.terminal = terminal.map { ForegroundTerminal(fd: $0) }
    }

    /// Blocked from before clone3 on, so none is lost; the child restores the
    /// mask. SIGCHLD tells that the program stopped.
    static var blockedSignals: sigset_t {
        var set = sigset_t()
        sw_forwarded_signals(&set)
        sigaddset(&set, SIGCHLD)
        return set
    }

    /// Only a session leader gets the terminal's hang-up: nobody else passes it on.
    private let leadsSession = getsid(0) == getpid()

    func run() -> Supervision {
        var set = Self.blockedSignals
        let signals = sw_signalfd(&set)
        var killedBy: Int32?
        var fds = [
            pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
            pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: initReports, events: Int16(POLLIN), revents: 0),
        ]
        var timedOut = false, killed = false, ended = false
        // CLOCK_MONOTONIC deadlines: the SIGTERM, then the SIGKILL.
        var termAt: Double?, killAt: Double?
        if let timeout { termAt = monotonicNow() + timeout.seconds }
        while signals >= 0 {
            var wait: Int32 = -1
            if let due = termAt ?? killAt {
                // Rounded up: poll must not wake a little early and spin.
                wait = Int32(min(max((due - monotonicNow()) * 1000, 0).rounded(.up), Double(Int32.max)))
            }
            if poll(&fds, 3, wait) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[2].revents != 0, !readReports(&killedBy) { fds[2].fd = -1 }
            if fds[1].revents != 0 {
                ended = true
                break
            }
            if fds[0].revents != 0 { handle(from: signals) }
            if let due = termAt, monotonicNow() >= due {
                termAt = nil
                timedOut = true
                // As timeout(1): a stopped program gets SIGCONT too, or the SIGTERM would wait.
                _ = sw_pidfd_send_signal(child.pidfd, SIGTERM, nil, 0)
                _ = sw_pidfd_send_signal(child.pidfd, SIGCONT, nil, 0)
                if let after = timeout?.killAfter { killAt = monotonicNow() + after }
            } else if let due = killAt, monotonicNow() >= due {
                killAt = nil
                killed = true
                killer?.killAll()
            }
        }
        if ended { killer?.programEnded() }
        let end = child.waitForEnd()
        if initReports >= 0 { _ = readReports(&killedBy) }
        terminal?.reclaim(from: child.pid)
        var outcome = Supervision(end: end, timedOut: timedOut, killedAfterTimeout: killed)
        if let killedBy { outcome.end = .killed(killedBy) }
        return outcome
    }

    private func handle(from signals: Int32) {
        var signo: Int32 = 0
        var code: Int32 = 0
        guard sw_read_signal(signals, &signo, &code) == 0 else { return }
        if signo == SIGCHLD {
            let stop = sw_child_stopped(child.pidfd)
            if stop != 0 { stopLikeTheProgram(stop) }
            return
        }
        if code == SI_KERNEL && !terminalSignalMissedTheProgram(signo) { return }
        _ = sw_pidfd_send_signal(child.pidfd, signo, nil, 0)
    }

    /// A signal the terminal sent to swclone's process group (si_code
    /// SI_KERNEL: Ctrl-C, Ctrl-\, Ctrl-Z, a window change) reached the
    /// program too when the program is in that group: it is not sent twice.
    /// It missed the program when the program leads a group of its own (the
    /// terminal hand-over, between `fg` and swclone giving the terminal back),
    /// and for the hang-up, which the kernel sends to the session leader alone.
    private func terminalSignalMissedTheProgram(_ signo: Int32) -> Bool {
        (signo == SIGHUP && leadsSession) || getpgid(child.pid) != getpgrp()
    }

    /// The caller's shell sees its job stop; once continued in the
    /// foreground, the program's group gets the terminal again. The SIGCONT
    /// that continued swclone is in the signalfd and is forwarded next.
    private func stopLikeTheProgram(_ signal: Int32) {
        sw_stop_like(signal)
        terminal?.giveBack(to: child.pid)
    }

    /// --init's reports about the program: stops are followed at once, a
    /// death by a signal is kept for the end. False at end-of-file.
    private func readReports(_ killedBy: inout Int32?) -> Bool {
        var report = sw_init_report()
        let size = MemoryLayout<sw_init_report>.size
        while true {
            let n = read(initReports, &report, size)
            if n < 0 && errno == EINTR { continue }
            guard n == size else { return n < 0 }
            switch report.event {
            case .stopped: stopLikeTheProgram(report.signal)
            case .killed: killedBy = report.signal
            }
        }
    }
}

/// Kills every process the program started, the way the plan chose
/// (LimitsPlan.TreeKill). The program itself is always killed through its
/// pidfd too: a root program may leave its cgroup or process group.
struct TreeKiller {
    let kind: LimitsPlan.TreeKill
    let cgroup: TransientCgroup?
    let child: RunningChild

    /// SIGKILL to the whole tree: the transient cgroup's processes, the new PID
    /// namespace (its init's death ends every process in it), or the program's process group.
    func killAll() {
        switch kind {
        case .cgroup: cgroup?.killAll()
        case .pidNamespace: break
        case .processGroup: kill(-child.pid, SIGKILL)
        }
        _ = sw_pidfd_send_signal(child.pidfd, SIGKILL, nil, 0)
    }

    /// The program has ended and is not reaped yet: its process group's ID cannot have been
    /// taken by another group, so what is left of it can be killed. A cgroup is emptied at the
    /// end of the launch, a PID namespace by the kernel.
    func programEnded() {
        if kind == .processGroup { kill(-child.pid, SIGKILL) }
    }
}
