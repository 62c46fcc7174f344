/*
 * Namespaces that outlive their program: bind mounts of /proc/PID/ns files,
 * made from the caller's mount namespace (in place, by a helper forked
 * before unshare, as unshare(1) does), and the namespace-file queries
 * swclone enter needs.
 */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

int sw_setns(int fd, int nstype) {
    return setns(fd, nstype);
}

int sw_namespace_type(int fd) {
    return ioctl(fd, NS_GET_NSTYPE);
}

int sw_mount_id(const char *path, uint64_t *id) {
    struct statx st;
    if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &st) != 0) return -1;
    if (!(st.stx_mask & STATX_MNT_ID)) {
        errno = ENOSYS;
        return -1;
    }
    *id = st.stx_mnt_id;
    return 0;
}

/* The helper: wait for "the namespaces exist", bind them all or none, answer. */
static _Noreturn void keeper_main(const char *const *sources, const char *const *targets, int count,
                                  int ready_fd, int answer_fd) {
    struct sw_failure record = { SW_STEP_NONE, 0 };
    ssize_t n;
    do n = read(ready_fd, &record, sizeof record); while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof record) _exit(1);   /* the launcher failed before: nothing to keep */
    for (int i = 0; i < count; i++) {
        if (mount(sources[i], targets[i], NULL, MS_BIND, NULL) != 0) {
            record.step = SW_STEP_KEEP_NS + i;
            record.err = errno;
            while (i-- > 0) umount2(targets[i], MNT_DETACH);
            break;
        }
    }
    do n = write(answer_fd, &record, sizeof record); while (n < 0 && errno == EINTR);
    _exit(0);
}

pid_t sw_start_keeper(const char *const *sources, const char *const *targets, int count,
                      int *ready_fd, int *answer_fd) {
    int ready[2], answer[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return -1;
    if (pipe2(answer, O_CLOEXEC) != 0) {
        close(ready[0]);
        close(ready[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[1]);
        close(answer[0]);
        keeper_main(sources, targets, count, ready[0], answer[1]);
    }
    int saved = errno;
    close(ready[0]);
    close(answer[1]);
    if (pid < 0) {
        close(ready[1]);
        close(answer[0]);
        errno = saved;
        return -1;
    }
    *ready_fd = ready[1];
    *answer_fd = answer[0];
    return pid;
}
