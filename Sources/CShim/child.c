/*
 * The child's set-up path, between clone3 and exec (or, in place, between
 * unshare and exec): the plan's operations in order, then the program. A
 * failed step is returned as (step, errno, index); the caller decides
 * whether that goes over the error pipe or back to Swift.
 */
#define _GNU_SOURCE
#include "child.h"
#include "io.h"

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void sw_child_init(struct sw_child *c) {
    memset(c, 0, sizeof *c);
    c->error_fd = -1;
    c->keeper_fd = -1;
    c->status_fd = -1;
    sigemptyset(&c->sigmask);
}

void sw_op_init(struct sw_op *op, enum sw_op_kind kind) {
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->fd = -1;
    op->fd2 = -1;
    op->parent_mode = 0755;
}

int sw_exit_status(struct sw_failure f) {
    if (f.step != SW_STEP_EXEC) return 125;
    return f.err == ENOENT ? 127 : 126;
}

/* Waits for the parent's byte: it has written our ID maps. End-of-file: it died. */
static struct sw_failure wait_for_parent(int fd) {
    char byte;
    int rc = sw_read_all(fd, &byte, 1);
    if (rc != 0 && errno == 0) errno = ESRCH;
    close(fd);
    if (rc != 0) SW_FAIL(SW_STEP_WAIT_PARENT);
    return sw_ok;
}

/*
 * A job of its own, as a shell gives each job: the child leads a new process
 * group, which takes the terminal's foreground. Inside a new PID namespace the
 * launcher's group is invisible (getpgrp() and tcgetpgrp() give 0), and an
 * interactive shell would fail to hand the terminal back to group 0 when it
 * exits; swclone, in the background, is not stopped or interrupted by what
 * the terminal sends the program. SIGTTOU is blocked here, so tcsetpgrp works.
 */
static struct sw_failure take_terminal(int tty) {
    if (setpgid(0, 0) != 0 || tcsetpgrp(tty, getpgrp()) != 0) SW_FAIL(SW_STEP_TERMINAL);
    return sw_ok;
}

static struct sw_failure run_op(const struct sw_op *op) {
    switch (op->kind) {
    case SW_OP_WAIT_PARENT:
        return wait_for_parent(op->fd);
    case SW_OP_JOIN_CGROUP:
        if (sw_write_file(op->path, "0") != 0) SW_FAIL(SW_STEP_JOIN_CGROUP);
        return sw_ok;
    case SW_OP_WRITE_FILE:
        if (sw_write_file(op->path, op->text) != 0) SW_FAIL(op->step);
        return sw_ok;
    case SW_OP_EXPECT_FILE:
        return sw_op_expect_file(op);
    case SW_OP_NEW_TIME_NS:
        return sw_op_new_time_namespace(op);
    case SW_OP_KEEP_NAMESPACES:
        return sw_op_keep_namespaces(op);
    case SW_OP_HOSTNAME:
        if (sethostname(op->text, strlen(op->text)) != 0) SW_FAIL(SW_STEP_HOSTNAME);
        return sw_ok;
    case SW_OP_LOOPBACK_UP:
        if (sw_loopback_up() != 0) SW_FAIL(SW_STEP_LOOPBACK);
        return sw_ok;
    case SW_OP_PROPAGATION:
        if (mount("none", "/", NULL, op->flags, NULL) != 0) SW_FAIL(SW_STEP_PROPAGATION);
        return sw_ok;
    case SW_OP_CHROOT:
        if (chroot(op->path) != 0) SW_FAIL(SW_STEP_CHROOT);
        return sw_ok;
    case SW_OP_CHDIR:
        if (chdir(op->path) != 0) SW_FAIL(SW_STEP_CHDIR);
        return sw_ok;
    case SW_OP_MAKE_PRIVATE:
        if (mount(NULL, op->path, NULL, MS_PRIVATE | MS_REC, NULL) != 0) SW_FAIL(SW_STEP_MAKE_PRIVATE);
        return sw_ok;
    case SW_OP_MOUNT_PROC:
        if (mount("proc", op->path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) SW_FAIL(SW_STEP_MOUNT_PROC);
        return sw_ok;
    case SW_OP_RLIMIT:
        return sw_op_resource_limit(&op->rlimit);
    case SW_OP_IDENTITY:
        return sw_op_identity(&op->identity);
    case SW_OP_CAPABILITIES:
        return sw_op_capabilities(&op->caps);
    case SW_OP_NO_NEW_PRIVS:
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) SW_FAIL(SW_STEP_NO_NEW_PRIVS);
        return sw_ok;
    case SW_OP_NEW_SESSION:
        if (setsid() < 0) SW_FAIL(SW_STEP_SETSID);
        return sw_ok;
    case SW_OP_PARENT_DEATH:
        return sw_op_parent_death(op);
    case SW_OP_TERMINAL:
        return take_terminal(op->fd);
    case SW_OP_PROCESS_GROUP:
        if (setpgid(0, 0) != 0) SW_FAIL(SW_STEP_PROCESS_GROUP);
        return sw_ok;
    case SW_OP_VIEW_BEGIN:
    case SW_OP_VIEW_BIND:
    case SW_OP_VIEW_REMOUNT_RO:
    case SW_OP_VIEW_FS:
    case SW_OP_VIEW_PROC:
    case SW_OP_VIEW_DEV:
    case SW_OP_VIEW_DIR:
    case SW_OP_VIEW_SYMLINK:
    case SW_OP_VIEW_CHMOD:
    case SW_OP_VIEW_FILE:
    case SW_OP_VIEW_FINISH:
        return sw_op_view(op);
    case SW_OP_LANDLOCK:
        return sw_op_landlock(&op->landlock);
    case SW_OP_CHDIR_FIRST:
        for (const char *const *pair = op->config; pair && pair[0]; pair += 2) {
            if (chdir(pair[0]) != 0) continue;
            if (op->env_slot) *op->env_slot = (char *)pair[1];
            break;
        }
        return sw_ok;
    case SW_OP_LOCK_FILE:
        return sw_op_lock_file(op);
    case SW_OP_WAIT_FD: {
        char byte;
        ssize_t n;
        do n = read(op->fd, &byte, 1); while (n < 0 && errno == EINTR);
        if (n < 0) SW_FAIL(SW_STEP_WAIT_FD);
        close(op->fd);
        return sw_ok;
    }
    case SW_OP_SETNS:
        if (setns(op->fd, (int)op->flags) != 0) SW_FAIL(SW_STEP_USERNS_JOIN);
        close(op->fd);
        return sw_ok;
    case SW_OP_NEST_PID_NS:
        return sw_op_nest_pid_namespace(op);
    case SW_OP_NEST_USERNS:
        return sw_op_nest_user_namespace(&op->identity);
    case SW_OP_SECCOMP:
        return sw_op_seccomp(op);
    case SW_OP_ASSERT_NO_USERNS:
        /* As bubblewrap: the proof is a user namespace that cannot be made (and a failure otherwise). */
        if (unshare(CLONE_NEWUSER) == 0) {
            errno = EEXIST;
            SW_FAIL(SW_STEP_USERNS_ASSERT);
        }
        return sw_ok;
    }
    errno = EINVAL;
    SW_FAIL(SW_STEP_NONE);
}

struct sw_failure sw_run_ops(const struct sw_op *ops, int count) {
    for (int i = 0; i < count; i++) {
        struct sw_failure f = run_op(&ops[i]);
        if (f.step != SW_STEP_NONE) {
            /* A failed bind carries the keeper's index, of the kept file. */
            if (f.step != SW_STEP_KEEP_NS) f.index = i;
            return f;
        }
    }
    return sw_ok;
}

/*
 * The hand-over, then execvp's search over candidates the parent resolved (EACCES wins over ENOENT).
 * "Executing" goes first to swclone, then to the keeper of --NS=FILE, which keeps the binds only if
 * it hears it: a child whose swclone has gone (its write fails) does not start the program, and the
 * binds go with it. The seccomp filters come after swclone's last calls of its own: the "executing"
 * records (a filter refusing write would otherwise leave swclone waiting for a program it takes for
 * dead) and the signal mask (a filter refusing rt_sigprocmask would otherwise start the program with
 * swclone's signals blocked).
 */
struct sw_failure sw_exec_program(const struct sw_child *c, int gate) {
    int err = ENOENT, denied = 0;
    struct sw_failure executing = { SW_STEP_NONE, SW_PROGRESS_EXECUTING, 0 };
    if (c->error_fd >= 0 && sw_write_all(c->error_fd, &executing, sizeof executing) != 0) SW_FAIL(SW_STEP_WAIT_PARENT);
    if (c->keeper_fd >= 0) sw_write_all(c->keeper_fd, &executing, sizeof executing);
    sigprocmask(SIG_SETMASK, &c->sigmask, NULL);
    if (gate >= 0) {
        char byte;
        if (sw_read_all(gate, &byte, 1) != 0) _exit(125);
        close(gate);
    }
    struct sw_failure f = sw_load_filters(c);
    if (f.step != SW_STEP_NONE) return f;
    for (const char *const *p = c->candidates; *p; p++) {
        execve(*p, c->argv, c->envp);
        err = errno;
        if (err == ENOEXEC) {
            /* A script without #!: run it with the shell, as execvp does. */
            char **argv = c->argv - 1;
            argv[0] = "/bin/sh";
            argv[1] = (char *)*p;
            execve("/bin/sh", argv, c->envp);
            err = errno;
            break;
        }
        if (err == EACCES) denied = 1;
        else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENAMETOOLONG) break;
    }
    errno = denied && (err == ENOENT || err == ENOTDIR) ? EACCES : err;
    SW_FAIL(SW_STEP_EXEC);
}

static struct sw_failure set_up_and_exec(const struct sw_child *c) {
    /* The trailing seccomp filters wait for the hand-over (sw_exec_program; --init's after its fork). */
    struct sw_failure f = sw_run_ops(c->ops, sw_filters_start(c));
    if (f.step != SW_STEP_NONE) return f;
    return c->run_init ? sw_run_init(c) : sw_exec_program(c, -1);
}

/*
 * As posix_spawn: a handler of swclone's must not run in the child, which may
 * share swclone's memory; exec would reset them anyway, but only at exec.
 * swclone itself installs none (signals reach it through a signalfd): the
 * handlers are the Swift runtime's crash handlers (SWIFT_BACKTRACE), on these
 * signals only, so the other 55 are not asked (a system call each).
 */
static void default_signal_handlers(void) {
    static const int crash_signals[] = {SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        int sig = crash_signals[i];
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
            sigaction(sig, &dfl, NULL);
    }
}

/* The clone3 child: a failure goes over the pipe (end-of-file after "executing" means exec worked). */
_Noreturn void sw_child_main(const struct sw_child *c) {
    default_signal_handlers();
    for (int i = 0; i < c->parent_fd_count; i++) close(c->parent_fds[i]);
    sw_report_and_exit(c, set_up_and_exec(c));
}

_Noreturn void sw_report_and_exit(const struct sw_child *c, struct sw_failure f) {
    if (c->error_fd >= 0) sw_write_all(c->error_fd, &f, sizeof f);
    _exit(sw_exit_status(f));
}

/*
 * In place, maps swclone cannot write for itself (ranges, or any map of a
 * privileged caller, who keeps no capability in the parent namespace after
 * unshare) are written from outside, as util-linux does: a helper forked
 * before unshare waits for the go byte, writes them for our PID (or runs
 * newuidmap on it), sends its report and exits; we go on once it has.
 */
static int map_helper(const void *arg, int go_fd, int report_fd) {
    const struct sw_user_maps *maps = arg;
    char byte;
    /* End-of-file instead of the byte: unshare failed, nothing to map. */
    if (sw_read_all(go_fd, &byte, 1) != 0) return 0;
    struct sw_map_report r;
    sw_apply_user_maps(maps, &r);
    sw_write_all(report_fd, &r, sizeof r);
    return 0;
}

/* --owner: the IDs the new user namespace belongs to. Dumpable again, as after an exec, so /proc/self stays ours. */
static int become_owner(const struct sw_child *c) {
    if (!c->set_owner) return 0;
    if (setgroups(0, NULL) != 0 || setgid(c->owner_gid) != 0 || setuid(c->owner_uid) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static struct sw_failure unshare_with_map_helper(const struct sw_child *c) {
    int go, report;
    pid_t helper = sw_start_helper(map_helper, c->helper_maps, &go, &report);
    if (helper < 0) SW_FAIL(SW_STEP_MAP_HELPER);
    enum sw_step failed = SW_STEP_OWNER;
    int rc = become_owner(c);
    if (rc == 0) {
        failed = SW_STEP_UNSHARE;
        rc = unshare(c->unshare_flags);
    }
    int unshare_errno = errno;
    if (rc == 0) {
        char byte = 1;
        sw_write_all(go, &byte, 1);
    }
    close(go);
    int got = sw_read_all(report, c->map_report, sizeof *c->map_report);
    close(report);
    while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {}
    if (rc != 0) {
        errno = unshare_errno;
        SW_FAIL(failed);
    }
    if (got != 0) {
        /* The helper died without a word. */
        memset(c->map_report, 0, sizeof *c->map_report);
        c->map_report->status = -1;
        errno = ECHILD;
        SW_FAIL(SW_STEP_MAP_HELPER);
    }
    if (c->map_report->file != SW_MAP_NONE) {
        errno = c->map_report->err;
        SW_FAIL(SW_STEP_MAP_HELPER);
    }
    return sw_ok;
}

struct sw_failure sw_run_in_place(const struct sw_child *c) {
    if (c->helper_maps) {
        struct sw_failure f = unshare_with_map_helper(c);
        if (f.step != SW_STEP_NONE) return f;
    } else {
        if (become_owner(c) != 0) SW_FAIL(SW_STEP_OWNER);
        if (c->unshare_flags && unshare(c->unshare_flags) != 0) SW_FAIL(SW_STEP_UNSHARE);
    }
    return set_up_and_exec(c);
}

int sw_owner_take(uid_t uid, gid_t gid) {
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, (gid_t)-1) != 0 || setresuid(uid, uid, (uid_t)-1) != 0) return -1;
    /* The child inherits this; its /proc/self files stay its own (a change of ID cleared it). */
    return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

int sw_owner_restore(uid_t ruid, uid_t euid, gid_t rgid, gid_t egid, const gid_t *groups, size_t count) {
    /* The user ID first: back to root, the capabilities to change the rest come back. */
    if (setresuid(ruid, euid, (uid_t)-1) != 0 || setresgid(rgid, egid, (gid_t)-1) != 0) return -1;
    return setgroups(count, groups);
}
