/*
 * Namespaces that outlive their program: bind mounts of /proc/PID/ns files,
 * made from the caller's mount namespace (in place, by a helper forked
 * before unshare, as unshare(1) does), and the namespace-file queries
 * swclone enter needs.
 */
#define _GNU_SOURCE
#include "io.h"
#include "swclone_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
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

int sw_mount_id(int fd, uint64_t *id) {
    struct statx st;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &st) != 0) return -1;
    if (!(st.stx_mask & STATX_MNT_ID)) {
        errno = ENOSYS;
        return -1;
    }
    *id = st.stx_mnt_id;
    return 0;
}

struct keep_list {
    const char *const *sources;
    const char *const *targets;
    const char *const *paths;
    int count;
};

static void unbind(const struct keep_list *list, int count) {
    while (count-- > 0) umount2(list->paths[count], MNT_DETACH | UMOUNT_NOFOLLOW);
}

/*
 * The helper: wait for "the namespaces exist", bind them all or none,
 * answer; then wait for the launch's outcome. "Executing" comes just before
 * the launcher's exec, whose end-of-file then means the program runs: the
 * binds stay. End-of-file without it: the launcher died first (SIGKILL), and
 * a record: the launch failed after the binds; either way they are taken
 * away (and the record answered). A launcher that died before the answer
 * makes its write fail, not kill us (SIGPIPE), and never runs the program.
 */
static int keeper(const void *arg, int ready_fd, int answer_fd) {
    const struct keep_list *list = arg;
    signal(SIGPIPE, SIG_IGN);
    struct sw_failure record = { SW_STEP_NONE, 0, 0 };
    if (sw_read_all(ready_fd, &record, sizeof record) != 0) return 1; /* the launcher failed before: nothing to keep */
    record = (struct sw_failure){ SW_STEP_NONE, 0, 0 };
    for (int i = 0; i < list->count; i++) {
        if (mount(list->sources[i], list->targets[i], NULL, MS_BIND, NULL) != 0) {
            record = (struct sw_failure){ SW_STEP_KEEP_NS, errno, i };
            unbind(list, i);
            break;
        }
    }
    int answered = sw_write_all(answer_fd, &record, sizeof record) == 0;
    if (record.step != SW_STEP_NONE) return 0;
    int executing = 0;
    while (answered && sw_read_all(ready_fd, &record, sizeof record) == 0) {
        if (record.step == SW_STEP_NONE && record.err == SW_PROGRESS_EXECUTING) {
            executing = 1;
            continue;
        }
        unbind(list, list->count);
        sw_write_all(answer_fd, &record, sizeof record);
        return 0;
    }
    if (!executing) unbind(list, list->count);
    return 0;
}

int sw_start_keeper(const char *const *sources, const char *const *targets, const char *const *paths, int count,
                    int *ready_fd, int *answer_fd) {
    struct keep_list list = { sources, targets, paths, count };
    return sw_start_detached_helper(keeper, &list, ready_fd, answer_fd);
}

void sw_undo_keeper(int ready_fd, int answer_fd) {
    struct sw_failure record = { SW_STEP_NONE, 0, 0 };
    if (sw_write_all(ready_fd, &record, sizeof record) == 0) sw_read_all(answer_fd, &record, sizeof record);
}
