/* glibc's names for errors and signals, which the Glibc module hides (_GNU_SOURCE, macros). */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <signal.h>
#include <string.h>

const char *sw_errno_name(int err) {
    return strerrorname_np(err);
}

int sw_sigrtmin(void) { return SIGRTMIN; }
int sw_sigrtmax(void) { return SIGRTMAX; }
