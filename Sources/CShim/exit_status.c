/* Reaping the child and passing its end on to swclone's own caller. */
#define _GNU_SOURCE
#include "io.h"
#include "swclone_shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int sw_wait_pidfd(int pidfd, int *status, int *signal) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do rc = waitid((idtype_t)SW_P_PIDFD, (id_t)pidfd, &info, WEXITED);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    if (info.si_code == CLD_EXITED) {
        *status = info.si_status;
        *signal = 0;
    } else {
        *status = 0;
        *signal = info.si_status;
    }
    return 0;
}

_Noreturn void sw_die_by_signal(int sig) {
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), sig);
    /* A signal whose default is not to terminate (SIGCHLD, SIGWINCH...). */
    _exit(128 + sig);
}

const char *sw_signal_abbrev(int sig) {
    return sigabbrev_np(sig);
}
