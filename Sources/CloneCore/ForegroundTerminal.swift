import Glibc

/// The terminal on swclone's standard input, when swclone is in its
/// foreground. The child then leads its own process group in that foreground
/// (as a shell's job does; see take_terminal in child.c), and swclone hands
/// the foreground back and forth as the program stops, continues and ends.
/// SIGTTOU stays blocked in swclone, so its tcsetpgrp calls are never stopped.
struct ForegroundTerminal {
    let fd: Int32

    /// After swclone was continued in the foreground (`fg`): the program's group gets it back.
    func giveBack(to child: pid_t) {
        if tcgetpgrp(fd) == getpgrp() { _ = tcsetpgrp(fd, child) }
    }

    /// Once the program is gone: swclone's group (its caller's job) gets the
    /// terminal back, unless someone else holds it, e.g. the caller's shell.
    func reclaim(from child: pid_t) {
        let holder = tcgetpgrp(fd)
        guard holder > 0, holder != getpgrp() else { return }
        if holder == child || (kill(-holder, 0) != 0 && errno == ESRCH) {
            _ = tcsetpgrp(fd, getpgrp())
        }
    }
}
