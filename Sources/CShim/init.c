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
#include <sched.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(int fd, enum sw_init_event event, int sig) {
    struct sw_init_report r = { event, sig };
    sw_write_all(fd, &r, sizeof r);
}

/* Reaps every child that has ended; 1 once `program` has, its wait status in *status. */
static int reap(int status_fd, pid_t program, int *status, int reports) {
    int ended = 0, ws;
    pid_t pid;
    while ((pid = waitpid(-1, &ws, WNOHANG | WUNTRACED)) > 0 || (pid < 0 && errno == EINTR)) {
        if (pid != program) continue;
        if (WIFSTOPPED(ws)) {
            if (reports) report(status_fd, SW_INIT_STOPPED, WSTOPSIG(ws));
        } else {
            *status = ws;
            ended = 1;
        }
    }
    return ended;
}

/*
 * Forwards the signals it receives to `child`, reaps, and ends as `child`
 * ended; `reports`: the launcher hears of the child's stops and death (the
 * init of the program does that, a relay above it does not).
 */
static _Noreturn void supervise(int status_fd, int signals, pid_t child, int reports) {
    int status = 0;
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t n = read(signals, &si, sizeof si);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof si) {
            /* Cannot happen with a valid signalfd; still end with the program. */
            while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
            break;
        }
        if (si.ssi_signo == SIGCHLD) {
            if (reap(status_fd, child, &status, reports)) break;
        } else if (si.ssi_code != SI_KERNEL || getpgid(child) != getpgrp()) {
            /* SI_KERNEL: the terminal signalled our process group; the child got it too if it is in it. */
            kill(child, (int)si.ssi_signo);
        }
    }
    if (WIFSIGNALED(status)) {
        if (reports) report(status_fd, SW_INIT_KILLED, WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(WEXITSTATUS(status));
}

struct sw_failure sw_run_init(const struct sw_child *c) {
    /* Blocked, a signal reaches PID 1 even without a handler, and waits in the signalfd. */
    sigset_t set;
    sw_forwarded_signals(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int signals = signalfd(-1, &set, SFD_CLOEXEC);
    if (signals < 0) SW_FAIL(SW_STEP_INIT);
    /*
     * Seccomp filters bind the init too (as bubblewrap's): else the program could ptrace it and run
     * unfiltered code through it. They come after the fork, so that the program restores its signal
     * mask before its own filters; the program waits on `gate` until the init's are loaded.
     */
    int gate[2] = { -1, -1 };
    bool filtered = sw_filters_start(c) < c->op_count;
    if (filtered && pipe2(gate, O_CLOEXEC) != 0) SW_FAIL(SW_STEP_INIT);
    pid_t program = sw_fork_raw();
    if (program < 0) SW_FAIL(SW_STEP_INIT);
    if (program == 0) {
        if (filtered) close(gate[1]);
        /* The init's parent-death signal is not inherited: --die-with-parent reaches the program only through its own. */
        if (c->program_death_signal && prctl(PR_SET_PDEATHSIG, c->program_death_signal) != 0)
            sw_report_and_exit(c, (struct sw_failure){ SW_STEP_PARENT_DEATH, errno, 0 });
        sw_report_and_exit(c, sw_exec_program(c, gate[0]));
    }
    if (filtered) {
        close(gate[0]);
        /* A failure ends the init, and the kernel then kills the program, still waiting at the gate. */
        struct sw_failure f = sw_load_filters(c);
        if (f.step != SW_STEP_NONE) sw_report_and_exit(c, f);
        char byte = 1;
        sw_write_all(gate[1], &byte, 1);
        close(gate[1]);
    }
    /* From now on only the program reports there: end-of-file means it exec'd. */
    close(c->error_fd);
    supervise(c->status_fd, signals, program, 1);
}

/*
 * --pidns FD --unshare-pid: the kernel makes a PID namespace only under the
 * creator's own, so this child (in FD's) makes it and forks its first
 * process, which goes on with the set-up and becomes the init there (as
 * bubblewrap). This process stays above as a relay of signals and of how it
 * ended; its death takes the new namespace with it.
 */
struct sw_failure sw_op_nest_pid_namespace(const struct sw_op *op) {
    sigset_t set, old;
    sw_forwarded_signals(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    int signals = signalfd(-1, &set, SFD_CLOEXEC);
    if (signals < 0 || unshare(CLONE_NEWPID) != 0) SW_FAIL(SW_STEP_PID_NEST);
    pid_t init = sw_fork_raw();
    if (init < 0) SW_FAIL(SW_STEP_PID_NEST);
    if (init > 0) {
        close(op->fd); /* the error pipe: only the set-up below reports there */
        supervise(-1, signals, init, 0);
    }
    close(signals);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) SW_FAIL(SW_STEP_PID_NEST);
    return sw_ok;
}
