import CShim
import Glibc
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

/// Waits for the program, forwarding the signals swclone receives to it
/// through its pidfd, and stopping when it stops so the caller's shell sees
/// the job stopped (and continues it, and the program, with `fg`).
struct Supervisor {
    let child: RunningChild
    /// --init's status pipe (read end, non-blocking), or -1.
    let initReports: Int32
    /// The terminal whose foreground the program's group holds, if any.
    let terminal: ForegroundTerminal?

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

    func run() -> ProgramEnd {
        var set = Self.blockedSignals
        let signals = sw_signalfd(&set)
        var killedBy: Int32?
        var fds = [
            pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
            pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: initReports, events: Int16(POLLIN), revents: 0),
        ]
        while signals >= 0 {
            if poll(&fds, 3, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[2].revents != 0, !readReports(&killedBy) { fds[2].fd = -1 }
            if fds[1].revents != 0 { break }
            if fds[0].revents != 0 { handle(from: signals) }
        }
        let end = child.waitForEnd()
        if initReports >= 0 { _ = readReports(&killedBy) }
        terminal?.reclaim(from: child.pid)
        return killedBy.map { .killed($0) } ?? end
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
