/*
 * The child's path between clone3 (or, in place, unshare) and exec, shared
 * by its C files; not part of the Swift module. Every function here only
 * makes system calls: no malloc, no stdio, no locks.
 */
#ifndef SWCLONE_CHILD_H
#define SWCLONE_CHILD_H

#include "swclone_shim.h"

#define SW_FAIL(s) return (struct sw_failure){ .step = (s), .err = errno, .index = 0 }
static const struct sw_failure sw_ok = { SW_STEP_NONE, 0, 0 };

/* The clone3 child's entry: sets up, then execs the program (or runs --init). */
_Noreturn void sw_child_main(const struct sw_child *c);

/* Runs the set-up operations in order; the failure carries the failing one's index. */
struct sw_failure sw_run_ops(const struct sw_op *ops, int count);

/* One operation of each kind that is more than a system call (ops.c, identity.c, capabilities.c). */
struct sw_failure sw_op_expect_file(const struct sw_op *op);
struct sw_failure sw_op_new_time_namespace(const struct sw_op *op);
struct sw_failure sw_op_keep_namespaces(const struct sw_op *op);
struct sw_failure sw_op_identity(const struct sw_identity *id);
struct sw_failure sw_op_capabilities(const struct sw_caps *caps);
struct sw_failure sw_op_parent_death(const struct sw_op *op);
struct sw_failure sw_op_resource_limit(const struct sw_rlimit *limit);
/* The filesystem view's operations (view.c) and --landlock (landlock.c). */
struct sw_failure sw_op_view(const struct sw_op *op);
struct sw_failure sw_op_landlock(const struct sw_landlock *landlock);
struct sw_failure sw_op_nest_user_namespace(const struct sw_identity *id);
struct sw_failure sw_op_lock_file(const struct sw_op *op);
/* /proc/self as it was before the view replaced the root (where it may be gone, or read-only), or -1. */
int sw_view_proc_self(void);

/* Seccomp filters (seccomp.c): one SW_OP_SECCOMP; where the trailing ones start (op_count if none),
 * which are loaded at the hand-over; loading those. */
struct sw_failure sw_op_seccomp(const struct sw_op *op);
int sw_filters_start(const struct sw_child *c);
struct sw_failure sw_load_filters(const struct sw_child *c);

/* Brings up the loopback interface of the current network namespace: 0, or -1 with errno. */
int sw_loopback_up(void);

/*
 * Reports reaching exec, restores the launcher's signal mask, waits for `gate` (a byte, or end-of-file:
 * give up; -1: none), loads the trailing seccomp filters and execs the program; returns only on failure.
 */
struct sw_failure sw_exec_program(const struct sw_child *c, int gate);

/* Writes a failure to the error pipe and leaves with sw_exit_status's status. */
_Noreturn void sw_report_and_exit(const struct sw_child *c, struct sw_failure f);

/* --init: forks the program as PID 2 and supervises it; returns only if that cannot start. */
struct sw_failure sw_run_init(const struct sw_child *c);
struct sw_failure sw_op_nest_pid_namespace(const struct sw_op *op);

#endif
