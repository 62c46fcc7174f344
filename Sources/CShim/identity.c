/*
 * The program's user and group IDs. No supplementary group survives an
 * identity change, except where the kernel forbids dropping them (setgroups
 * denied in a user namespace: it keeps the caller's groups on purpose, so
 * they cannot be shed to escape a negative group permission). The IDs are
 * read back: fail closed. Raw system calls: glibc's wrappers would signal
 * every thread it believes the process has, and a child made by a raw clone
 * (or sharing swclone's memory) has none.
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sw_failure sw_op_identity(const struct sw_identity *id) {
    /* Ambient capabilities go with a change from UID 0; permitted survives it only with KEEPCAPS. */
    if (id->keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) SW_FAIL(SW_STEP_KEEPCAPS);
    int groups_dropped = syscall(SYS_setgroups, 0, NULL) == 0;
    if (!groups_dropped && !(errno == EPERM && id->groups_denied)) SW_FAIL(SW_STEP_SETGROUPS);
    if (id->set_gid && syscall(SYS_setresgid, id->gid, id->gid, id->gid) != 0) SW_FAIL(SW_STEP_SETGID);
    if (id->set_uid && syscall(SYS_setresuid, id->uid, id->uid, id->uid) != 0) SW_FAIL(SW_STEP_SETUID);

    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0) SW_FAIL(SW_STEP_IDENTITY_CHECK);
    int differs = (id->set_uid && (r != id->uid || e != id->uid || s != id->uid))
        || (id->set_gid && (rg != id->gid || eg != id->gid || sg != id->gid))
        || (groups_dropped && getgroups(0, NULL) != 0);
    if (differs) {
        errno = EPERM;
        SW_FAIL(SW_STEP_IDENTITY_CHECK);
    }
    return sw_ok;
}
