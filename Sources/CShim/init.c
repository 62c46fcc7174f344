/*
 * --init: PID 1 of the new PID namespace, from swclone itself, after the
 * set-up steps. It forks the program as PID 2, reaps every process that ends
 * in the namespace, forwards the signals it receives to the program, and
 * ends with the program's status. Like the rest of the child's path it only
 * makes system calls: no allocation, no stdio, nothing from Swift.
 *
 * A PID 1 cannot die by a signal it sends itself, so how the program ended
 * and each time it stops go to the launcher over the status pipe
 * (struct sw_init_report); the launcher then dies or stops the same way.
 * The init's own exit status (128+N for "killed by N") is only a fallback.
 */
#define _GNU_SOURCE
#include "child.h"
#include "io.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(int fd, enum sw_init_event event, int sig) {
    struct sw_init_report r = { event, sig };
    sw_write_all(fd, &r, sizeof r);
}

/* Reaps every child that has ended; 1 once the program has, its wait status in *status. */
static int reap(const struct sw_child *c, pid_t program, int *status) {
    int ended = 0, ws;
    pid_t pid;
    while ((pid = waitpid(-1, &ws, WNOHANG | WUNTRACED)) > 0 || (pid < 0 && errno == EINTR)) {
        if (pid != program) continue;
        if (WIFSTOPPED(ws)) {
            report(c->status_fd, SW_INIT_STOPPED, WSTOPSIG(ws));
        } else {
            *status = ws;
            ended = 1;
        }
    }
    return ended;
}

struct sw_failure sw_run_init(const struct sw_child *c) {
    /* Blocked, a signal reaches PID 1 even without a handler, and waits in the signalfd. */
    sigset_t set;
    sw_forwarded_signals(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int signals = signalfd(-1, &set, SFD_CLOEXEC);
    if (signals < 0) SW_FAIL(SW_STEP_INIT);
    pid_t program = sw_fork_raw();
    if (program < 0) SW_FAIL(SW_STEP_INIT);
    if (program == 0) {
        /* The init's parent-death signal is not inherited: --die-with-parent reaches the program only through its own. */
        if (c->program_death_signal && prctl(PR_SET_PDEATHSIG, c->program_death_signal) != 0)
            sw_report_and_exit(c, (struct sw_failure){ SW_STEP_PARENT_DEATH, errno, 0 });
        sw_report_and_exit(c, sw_exec_program(c));
    }
    /* From now on only the program reports there: end-of-file means it exec'd. */
    close(c->error_fd);

    int status = 0;
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t n = read(signals, &si, sizeof si);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof si) {
            /* Cannot happen with a valid signalfd; still end with the program. */
            while (waitpid(program, &status, 0) < 0 && errno == EINTR) {}
            break;
        }
        if (si.ssi_signo == SIGCHLD) {
            if (reap(c, program, &status)) break;
        } else if (si.ssi_code != SI_KERNEL || getpgid(program) != getpgrp()) {
            /* SI_KERNEL: the terminal signalled our process group; the program got it too if it is in it. */
            kill(program, (int)si.ssi_signo);
        }
    }
    if (WIFSIGNALED(status)) {
        report(c->status_fd, SW_INIT_KILLED, WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(WEXITSTATUS(status));
}
