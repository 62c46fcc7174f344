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
/// through its pidfd.
struct Supervisor {
    let child: RunningChild

    /// Blocked from before clone3 on, so none is lost; the child restores the mask.
    static var forwardedSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE] {
            sigaddset(&set, sig)
        }
        return set
    }

    func run() -> ProgramEnd {
        var set = Self.forwardedSignals
        let signals = sw_signalfd(&set)
        var fds = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0)]
        while signals >= 0 {
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents != 0 { break }
            if fds[0].revents != 0 { forward(from: signals) }
        }
        return child.waitForEnd()
    }

    /// A signal the terminal sent to the whole foreground group (SI_KERNEL)
    /// already reached the program: it is not sent twice.
    private func forward(from signals: Int32) {
        var signo: Int32 = 0
        var code: Int32 = 0
        guard sw_read_signal(signals, &signo, &code) == 0, code != SI_KERNEL else { return }
        _ = sw_pidfd_send_signal(child.pidfd, signo, nil, 0)
    }
}
