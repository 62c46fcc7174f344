/*
 * swclone --check's probes: each asks the kernel one question in a way that
 * leaves nothing behind (a throwaway child whose namespaces end with it, a
 * system call that creates nothing).
 */
#define _GNU_SOURCE
#include "io.h"
#include "swclone_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

struct probe_result {
    enum sw_probe_stage stage;
    int32_t err;
};

static struct probe_result probe_child(int64_t as_id, int flags, const char *uid_map, const char *gid_map,
                                       int inner_flags) {
    struct probe_result r = { SW_PROBE_IDENTITY, 0 };
    if (as_id >= 0) {
        if (setgroups(0, NULL) != 0 || setresgid((gid_t)as_id, (gid_t)as_id, (gid_t)as_id) != 0
            || setresuid((uid_t)as_id, (uid_t)as_id, (uid_t)as_id) != 0)
            goto failed;
        /* The change of ID made us undumpable, so /proc/self would be root's: as after an exec. */
        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) goto failed;
    }
    r.stage = SW_PROBE_UNSHARE;
    if (unshare(flags) != 0) goto failed;
    if (uid_map) {
        r.stage = SW_PROBE_SETGROUPS;
        if (sw_write_file("/proc/self/setgroups", "deny") != 0) goto failed;
        r.stage = SW_PROBE_UID_MAP;
        if (sw_write_file("/proc/self/uid_map", uid_map) != 0) goto failed;
        r.stage = SW_PROBE_GID_MAP;
        if (sw_write_file("/proc/self/gid_map", gid_map) != 0) goto failed;
    }
    r.stage = SW_PROBE_INNER;
    if (inner_flags && unshare(inner_flags) != 0) goto failed;
    r.stage = SW_PROBE_NONE;
    return r;
failed:
    r.err = errno;
    return r;
}

int sw_probe_namespaces(int64_t as_id, int flags, const char *uid_map, const char *gid_map, int inner_flags,
                        enum sw_probe_stage *stage) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t pid = sw_fork_raw();
    if (pid == 0) {
        close(fds[0]);
        struct probe_result r = probe_child(as_id, flags, uid_map, gid_map, inner_flags);
        sw_write_all(fds[1], &r, sizeof r);
        _exit(0);
    }
    close(fds[1]);
    if (pid < 0) {
        int saved = errno;
        close(fds[0]);
        errno = saved;
        return -1;
    }
    struct probe_result r;
    int got = sw_read_all(fds[0], &r, sizeof r);
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    if (got != 0) {
        errno = ECHILD;
        return -1;
    }
    *stage = r.stage;
    return r.err;
}

int sw_probe_landlock_abi(void) {
    /* LANDLOCK_CREATE_RULESET_VERSION: the ABI version, no ruleset made. */
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
}

int sw_has_file_capabilities(const char *path) {
    return getxattr(path, "security.capability", NULL, 0) > 0;
}
