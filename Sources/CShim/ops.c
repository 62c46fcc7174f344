/* The set-up operations that take more than one system call. */
#define _GNU_SOURCE
#include "child.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int sw_loopback_up(void) {
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

/* What a file reads matches what was asked (a write from outside may not have been what was asked). */
struct sw_failure sw_op_expect_file(const struct sw_op *op) {
    char buf[64];
    int fd = open(op->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) SW_FAIL(op->step);
    ssize_t n;
    do n = read(fd, buf, sizeof buf); while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    if (n < 0) SW_FAIL(op->step);
    size_t len = strlen(op->text);
    if ((size_t)n < len || memcmp(buf, op->text, len) != 0) {
        errno = EPERM;
        SW_FAIL(op->step);
    }
    return sw_ok;
}

/*
 * Offsets freeze once a process lives in a time namespace, so: unshare (the
 * caller stays outside), write the offsets, then setns into it ourselves.
 */
struct sw_failure sw_op_new_time_namespace(const struct sw_op *op) {
    if (unshare((int)SW_CLONE_NEWTIME) != 0) SW_FAIL(SW_STEP_TIME_UNSHARE);
    if (op->text && sw_write_file("/proc/self/timens_offsets", op->text) != 0) SW_FAIL(SW_STEP_TIME_OFFSETS);
    int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0) SW_FAIL(SW_STEP_TIME_ENTER);
    int rc = setns(fd, (int)SW_CLONE_NEWTIME);
    int saved = errno;
    /* --json-status: the parent cannot read it from /proc once a fast program has exited. */
    struct stat st;
    if (rc == 0 && op->inode_slot && fstat(fd, &st) == 0) *op->inode_slot = st.st_ino;
    close(fd);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_TIME_ENTER);
    return sw_ok;
}

/*
 * The namespaces exist: whoever keeps them in files (the parent, or the
 * in-place helper) bind-mounts them on hearing from us on op->fd and
 * answers on op->fd2 with a failure record (step NONE: done). Both stay
 * open: in place, the helper takes the binds away again if the launch fails.
 */
struct sw_failure sw_op_keep_namespaces(const struct sw_op *op) {
    struct sw_failure answer = { SW_STEP_NONE, SW_PROGRESS_NAMESPACES_READY, 0 };
    sw_write_all(op->fd, &answer, sizeof answer);
    if (sw_read_all(op->fd2, &answer, sizeof answer) != 0) {
        errno = ESRCH;
        SW_FAIL(SW_STEP_WAIT_PARENT);
    }
    return answer;
}

/* --kill-child: the launcher may have died before the prctl; its pidfd is readable then. */
struct sw_failure sw_op_parent_death(const struct sw_op *op) {
    if (prctl(PR_SET_PDEATHSIG, op->signal) != 0) SW_FAIL(SW_STEP_PARENT_DEATH);
    struct pollfd p = { .fd = op->fd, .events = POLLIN };
    if (poll(&p, 1, 0) != 0) {
        errno = ESRCH;
        SW_FAIL(SW_STEP_PARENT_DEATH);
    }
    return sw_ok;
}

/* --rlimit: a side not given keeps its current value, as prlimit(1) does. */
struct sw_failure sw_op_resource_limit(const struct sw_rlimit *limit) {
    struct rlimit r;
    if ((!limit->set_soft || !limit->set_hard) && getrlimit(limit->resource, &r) != 0) SW_FAIL(SW_STEP_RLIMIT);
    if (limit->set_soft) r.rlim_cur = limit->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)limit->soft;
    if (limit->set_hard) r.rlim_max = limit->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)limit->hard;
    if (setrlimit(limit->resource, &r) != 0) SW_FAIL(SW_STEP_RLIMIT);
    return sw_ok;
}

/* Writes "ID ID 1" for `id` into buf, for a map of one ID to itself. */
static void one_id_map(char buf[32], unsigned id) {
    char digits[12];
    int len = 0;
    do digits[len++] = (char)('0' + id % 10); while ((id /= 10) > 0);
    char *p = buf;
    for (int round = 0; round < 2; round++) {
        for (int i = len; i > 0; i--) *p++ = digits[i - 1];
        *p++ = ' ';
    }
    *p++ = '1';
    *p = '\0';
}

/*
 * --disable-userns: the sandbox's user namespace allows one more, this one;
 * inside it, the program's IDs mapped to themselves, it cannot raise the
 * limit of the namespace above (bubblewrap's way).
 */
struct sw_failure sw_op_nest_user_namespace(const struct sw_identity *id) {
    char map[32];
    /* This process's /proc directory follows it into the new namespace; the view's root may have no /proc. */
    int proc = sw_view_proc_self();
    int dir = proc >= 0 ? proc : open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) SW_FAIL(SW_STEP_USERNS_NEST);
    int rc = unshare(CLONE_NEWUSER) == 0 && sw_write_file_at(dir, "setgroups", "deny") == 0 ? 0 : -1;
    if (rc == 0) {
        one_id_map(map, id->uid);
        rc = sw_write_file_at(dir, "uid_map", map);
    }
    if (rc == 0) {
        one_id_map(map, id->gid);
        rc = sw_write_file_at(dir, "gid_map", map);
    }
    int saved = errno;
    close(dir);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_USERNS_NEST);
    return sw_ok;
}

/*
 * --lock-file: a read lock on the file, as bubblewrap takes it. The
 * descriptor is close-on-exec: the program's exec drops its copy, and the
 * reaper (this process, which never execs) holds the lock while the sandbox runs.
 */
struct sw_failure sw_op_lock_file(const struct sw_op *op) {
    int fd = open(op->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) SW_FAIL(SW_STEP_LOCK_FILE);
    struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    if (fcntl(fd, F_SETLK, &lock) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        SW_FAIL(SW_STEP_LOCK_FILE);
    }
    return sw_ok;
}
