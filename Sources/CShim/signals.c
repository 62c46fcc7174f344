/* The signals a supervisor forwards, and following the program's stops. */
#define _GNU_SOURCE
#include "io.h"
#include "swclone_shim.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void sw_forwarded_signals(sigset_t *set) {
    static const int classic[] = {
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE,
        SIGURG, SIGPWR, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGTSTP, SIGTTIN, SIGTTOU,
    };
    sigemptyset(set);
    for (size_t i = 0; i < sizeof classic / sizeof classic[0]; i++) sigaddset(set, classic[i]);
    /* SIGRTMIN skips the ones glibc keeps for its threads. */
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) sigaddset(set, sig);
}

int sw_child_stopped(int pidfd) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do rc = waitid((idtype_t)SW_P_PIDFD, (id_t)pidfd, &info, WSTOPPED | WNOHANG);
    while (rc < 0 && errno == EINTR);
    return rc == 0 && info.si_pid != 0 && info.si_code == CLD_STOPPED ? info.si_status : 0;
}

/*
 * The signal is blocked (it is forwarded), so it is made pending and then let
 * through: its default action stops us here until a SIGCONT. A terminal stop
 * signal in an orphaned process group is discarded by the kernel, as it
 * would be for any process: nobody would be there to continue us.
 */
void sw_stop_like(int sig) {
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    kill(getpid(), sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    sigprocmask(SIG_BLOCK, &one, NULL);
}
