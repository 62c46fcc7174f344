/*
 * Shared by the C files of the child's path (not part of the Swift module):
 * child.c sets up and execs, init.c is --init's PID 1 between the two.
 */
#ifndef SWCLONE_CHILD_H
#define SWCLONE_CHILD_H

#include "swclone_shim.h"

/* The clone3 child's entry: sets up, then execs the program (or runs --init). */
_Noreturn void sw_child_main(const struct sw_child *c);

/* Restores the launcher's signal mask and execs the program; returns only on failure. */
struct sw_failure sw_exec_program(const struct sw_child *c);

/* Writes a failure to the error pipe and leaves with 125, 126 or 127. */
_Noreturn void sw_report_and_exit(const struct sw_child *c, struct sw_failure f);

/* --init: forks the program as PID 2 and supervises it; returns only if that cannot start. */
struct sw_failure sw_run_init(const struct sw_child *c);

/* fork(2) as a raw clone3: glibc's fork handlers must not run in a clone3 child. */
pid_t sw_fork_raw(void);

#endif
