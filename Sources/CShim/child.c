/*
 * The child's set-up path, between clone3 and exec (or, in place, between
 * unshare and exec). Only async-signal-safe system calls: no malloc, no stdio,
 * no locks. A failed step is returned as (step, errno); the caller decides
 * whether that goes over the error pipe or back to Swift.
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <grp.h>

#define FAIL(s) return (struct sw_failure){ .step = (s), .err = errno }
static const struct sw_failure ok = { SW_STEP_NONE, 0 };

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int saved = errno;
    close(fd);
    if (n == (ssize_t)len) return 0;
    errno = n < 0 ? saved : EIO;
    return -1;
}

/* Waits for the parent's byte: it has written our ID maps. EOF: it died. */
static int wait_for_parent(int fd) {
    char byte;
    ssize_t n;
    do n = read(fd, &byte, 1); while (n < 0 && errno == EINTR);
    close(fd);
    if (n == 1) return 0;
    if (n == 0) errno = ESRCH;
    return -1;
}

static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/*
 * Offsets freeze once a process lives in a time namespace, so: unshare (the
 * caller stays outside), write the offsets, then setns into it ourselves.
 */
static struct sw_failure enter_new_time_namespace(const struct sw_child *c) {
    if (unshare((int)SW_CLONE_NEWTIME) != 0) FAIL(SW_STEP_TIME_UNSHARE);
    if (c->timens_offsets && write_file("/proc/self/timens_offsets", c->timens_offsets) != 0)
        FAIL(SW_STEP_TIME_OFFSETS);
    int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL(SW_STEP_TIME_ENTER);
    int rc = setns(fd, (int)SW_CLONE_NEWTIME);
    int saved = errno;
    /* --json-status: the parent cannot read it from /proc once a fast program has exited. */
    struct stat st;
    if (rc == 0 && c->time_ns_inode && fstat(fd, &st) == 0) *c->time_ns_inode = st.st_ino;
    close(fd);
    errno = saved;
    if (rc != 0) FAIL(SW_STEP_TIME_ENTER);
    return ok;
}

/*
 * The namespaces exist: let whoever keeps them in files (the parent, or the
 * in-place helper) bind-mount them, and wait for its answer.
 */
static struct sw_failure wait_for_keeper(const struct sw_child *c) {
    struct sw_failure answer = ok;
    ssize_t n;
    do n = write(c->keep_ready_fd, &answer, sizeof answer); while (n < 0 && errno == EINTR);
    do n = read(c->keep_answer_fd, &answer, sizeof answer); while (n < 0 && errno == EINTR);
    close(c->keep_answer_fd);
    if (c->keeper > 0) {
        while (waitpid(c->keeper, NULL, 0) < 0 && errno == EINTR) {}
        close(c->keep_ready_fd);
    }
    if (n != (ssize_t)sizeof answer) {
        errno = ESRCH;
        FAIL(SW_STEP_WAIT_PARENT);
    }
    return answer;
}

/*
 * No supplementary group survives an identity change, except where the kernel
 * forbids dropping them (setgroups denied in a user namespace: it keeps the
 * caller's groups on purpose, so they cannot be shed to escape a negative
 * group permission). The IDs are read back: fail closed. Raw system calls:
 * glibc's wrappers would signal every thread it believes the process has,
 * and a child made by a raw clone (or sharing swclone's memory) has none.
 */
static struct sw_failure change_identity(const struct sw_child *c) {
    if (!c->set_gid && !c->set_uid) return ok;
    int groups_dropped = syscall(SYS_setgroups, 0, NULL) == 0;
    if (!groups_dropped && !(errno == EPERM && c->setgroups_denied)) FAIL(SW_STEP_SETGROUPS);
    if (c->set_gid && syscall(SYS_setresgid, c->gid, c->gid, c->gid) != 0) FAIL(SW_STEP_SETGID);
    if (c->set_uid && syscall(SYS_setresuid, c->uid, c->uid, c->uid) != 0) FAIL(SW_STEP_SETUID);

    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0) FAIL(SW_STEP_IDENTITY_CHECK);
    int differs = (c->set_uid && (r != c->uid || e != c->uid || s != c->uid))
        || (c->set_gid && (rg != c->gid || eg != c->gid || sg != c->gid))
        || (groups_dropped && getgroups(0, NULL) != 0);
    if (differs) {
        errno = EPERM;
        FAIL(SW_STEP_IDENTITY_CHECK);
    }
    return ok;
}

/* The parent-death signal is cleared by an identity change, so it is set after it. */
static struct sw_failure arm_parent_death(const struct sw_child *c) {
    if (c->death_signal == 0) return ok;
    if (prctl(PR_SET_PDEATHSIG, c->death_signal) != 0) FAIL(SW_STEP_PARENT_DEATH);
    /* The launcher may have died before the prctl: its pidfd is readable then. */
    struct pollfd p = { .fd = c->parent_pidfd, .events = POLLIN };
    if (poll(&p, 1, 0) != 0) {
        errno = ESRCH;
        FAIL(SW_STEP_PARENT_DEATH);
    }
    return ok;
}

/*
 * A job of its own, as a shell gives each job: the child leads a new process
 * group, which takes the terminal's foreground. Inside a new PID namespace the
 * launcher's group is invisible (getpgrp() and tcgetpgrp() give 0), and an
 * interactive shell would fail to hand the terminal back to group 0 when it
 * exits; swclone, in the background, is not stopped or interrupted by what
 * the terminal sends the program. SIGTTOU is blocked here, so tcsetpgrp works.
 */
static int take_terminal(int tty) {
    if (setpgid(0, 0) != 0) return -1;
    return tcsetpgrp(tty, getpgrp());
}

static struct sw_failure set_up(const struct sw_child *c) {
    if (c->sync_fd >= 0 && wait_for_parent(c->sync_fd) != 0) FAIL(SW_STEP_WAIT_PARENT);
    if (c->self_setgroups && write_file("/proc/self/setgroups", c->self_setgroups) != 0)
        FAIL(SW_STEP_SETGROUPS_FILE);
    if (c->self_uid_map && write_file("/proc/self/uid_map", c->self_uid_map) != 0)
        FAIL(SW_STEP_UID_MAP);
    if (c->self_gid_map && write_file("/proc/self/gid_map", c->self_gid_map) != 0)
        FAIL(SW_STEP_GID_MAP);
    if (c->new_time) {
        struct sw_failure f = enter_new_time_namespace(c);
        if (f.step) return f;
    }
    if (c->keep_ready_fd >= 0) {
        struct sw_failure f = wait_for_keeper(c);
        if (f.step) return f;
    }
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) != 0) FAIL(SW_STEP_HOSTNAME);
    if (c->loopback_up && loopback_up() != 0) FAIL(SW_STEP_LOOPBACK);
    if (c->root_propagation && mount("none", "/", NULL, c->root_propagation, NULL) != 0)
        FAIL(SW_STEP_PROPAGATION);
    /* As unshare: proc is mounted inside the new root, after chdir. */
    if (c->root && chroot(c->root) != 0) FAIL(SW_STEP_CHROOT);
    if (c->wd ? chdir(c->wd) != 0 : (c->root && chdir("/") != 0)) FAIL(SW_STEP_CHDIR);
    if (c->proc_dir && mount("proc", c->proc_dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        FAIL(SW_STEP_MOUNT_PROC);

    struct sw_failure f = sw_caps_before_identity(c);
    if (f.step) return f;
    f = change_identity(c);
    if (f.step) return f;
    f = sw_apply_caps(c);
    if (f.step) return f;
    if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) FAIL(SW_STEP_NO_NEW_PRIVS);
    if (c->new_session && setsid() < 0) FAIL(SW_STEP_SETSID);
    struct sw_failure death = arm_parent_death(c);
    if (death.step) return death;
    /* Last, so that a failed step leaves the terminal alone; a new session has no terminal. */
    if (c->foreground_tty >= 0 && !c->new_session && take_terminal(c->foreground_tty) != 0)
        FAIL(SW_STEP_TERMINAL);
    return ok;
}

/* execvp's search, over candidates the parent resolved: EACCES wins over ENOENT. */
struct sw_failure sw_exec_program(const struct sw_child *c) {
    int err = ENOENT, denied = 0;
    sigprocmask(SIG_SETMASK, &c->sigmask, NULL);
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
    FAIL(SW_STEP_EXEC);
}

static struct sw_failure set_up_and_exec(const struct sw_child *c) {
    struct sw_failure f = set_up(c);
    if (f.step) return f;
    return c->run_init ? sw_run_init(c) : sw_exec_program(c);
}

/* The clone3 child: report a failure over the pipe (end-of-file means exec worked). */
_Noreturn void sw_child_main(const struct sw_child *c) {
    sw_report_and_exit(c, set_up_and_exec(c));
}

_Noreturn void sw_report_and_exit(const struct sw_child *c, struct sw_failure f) {
    if (c->error_fd >= 0) {
        ssize_t n;
        do n = write(c->error_fd, &f, sizeof f); while (n < 0 && errno == EINTR);
    }
    _exit(f.step == SW_STEP_EXEC ? (f.err == ENOENT ? 127 : 126) : 125);
}

/*
 * In place, maps the launcher cannot write for itself (ranges, or any map of a
 * privileged caller, who keeps no capability in the parent namespace after
 * unshare) are written from outside, as util-linux does: a helper forked
 * before unshare waits for the go byte, writes them for our PID (or runs
 * newuidmap on it), sends its report and exits; we go on once it has.
 */
static struct sw_failure unshare_with_map_helper(const struct sw_child *c) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) FAIL(SW_STEP_ID_MAPS);
    if (pipe2(report, O_CLOEXEC) != 0) {
        int saved = errno;
        close(go[0]);
        close(go[1]);
        errno = saved;
        FAIL(SW_STEP_ID_MAPS);
    }
    pid_t helper = sw_fork_raw();
    if (helper == 0) {
        struct sw_map_report r;
        close(go[1]);
        close(report[0]);
        /* End-of-file instead of the byte: unshare failed, nothing to map. */
        if (wait_for_parent(go[0]) == 0) {
            sw_apply_user_maps(c->helper_maps, &r);
            ssize_t n;
            do n = write(report[1], &r, sizeof r); while (n < 0 && errno == EINTR);
        }
        _exit(0);
    }
    int fork_errno = errno;
    close(go[0]);
    close(report[1]);
    if (helper < 0) {
        close(go[1]);
        close(report[0]);
        errno = fork_errno;
        FAIL(SW_STEP_ID_MAPS);
    }
    int rc = unshare(c->unshare_flags);
    int unshare_errno = errno;
    if (rc == 0) {
        char byte = 1;
        ssize_t n;
        do n = write(go[1], &byte, 1); while (n < 0 && errno == EINTR);
    }
    close(go[1]);
    ssize_t n;
    do n = read(report[0], c->map_report, sizeof *c->map_report); while (n < 0 && errno == EINTR);
    close(report[0]);
    while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {}
    if (rc != 0) {
        errno = unshare_errno;
        FAIL(SW_STEP_UNSHARE);
    }
    if (n != (ssize_t)sizeof *c->map_report) {
        /* The helper died without a word. */
        memset(c->map_report, 0, sizeof *c->map_report);
        c->map_report->status = -1;
        errno = ECHILD;
        FAIL(SW_STEP_ID_MAPS);
    }
    if (c->map_report->step != SW_STEP_NONE) {
        errno = c->map_report->err;
        FAIL(SW_STEP_ID_MAPS);
    }
    return ok;
}

struct sw_failure sw_run_in_place(const struct sw_child *c) {
    if (c->helper_maps) {
        struct sw_failure f = unshare_with_map_helper(c);
        if (f.step) return f;
    } else if (c->unshare_flags && unshare(c->unshare_flags) != 0) {
        FAIL(SW_STEP_UNSHARE);
    }
    return set_up_and_exec(c);
}
