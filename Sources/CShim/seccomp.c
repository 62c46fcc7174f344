/*
 * Seccomp filters (--seccomp-default, --seccomp, --add-seccomp-fd): classic-BPF
 * programs the parent prepared, loaded in order. The plan puts them last, and
 * they are loaded at the hand-over to the program, after swclone's own last
 * system calls, so that a filter need allow nothing of swclone's. The kernel
 * runs every filter on each system call; the strictest answer wins.
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

struct sw_failure sw_op_seccomp(const struct sw_op *op) {
    struct sock_fprog program = {
        .len = op->seccomp.length,
        .filter = (struct sock_filter *)op->seccomp.instructions,
    };
    /* An earlier step set no_new_privs: without it only CAP_SYS_ADMIN may load a filter. */
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) SW_FAIL(SW_STEP_SECCOMP);
    return sw_ok;
}

int sw_filters_start(const struct sw_child *c) {
    int first = c->op_count;
    while (first > 0 && c->ops[first - 1].kind == SW_OP_SECCOMP) first--;
    return first;
}

struct sw_failure sw_load_filters(const struct sw_child *c) {
    for (int i = sw_filters_start(c); i < c->op_count; i++) {
        struct sw_failure f = sw_op_seccomp(&c->ops[i]);
        if (f.step != SW_STEP_NONE) {
            f.index = i;
            return f;
        }
    }
    return sw_ok;
}
