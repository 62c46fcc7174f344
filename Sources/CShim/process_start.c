/*
 * What swclone was started with, taken before the Swift runtime starts. A
 * static Swift program finds its arguments and its runtime through /proc,
 * which may belong to another PID namespace or be missing (`nsenter -t
 * CONTAINER -m -- swclone ...`): the arguments then read as empty, and the
 * runtime's start-up aborts ("Unable to obtain Swift runtime path").
 */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <stdlib.h>
#include <unistd.h>

static int start_argc;
static char **start_argv;
static bool root_set;

/*
 * Priority 101 runs before the runtime's own static initializers. glibc
 * hands .init_array functions the process's argc, argv and envp. The
 * runtime looks for its helper swift-backtrace beside /proc/self/exe, or in
 * SWIFT_ROOT when that is set: set it only when /proc cannot answer.
 */
__attribute__((constructor(101))) static void take_start(int argc, char **argv, char **envp) {
    (void)envp;
    start_argc = argc;
    start_argv = argv;
    char byte;
    if (readlink("/proc/self/exe", &byte, 1) < 0 && getenv("SWIFT_ROOT") == NULL) {
        setenv("SWIFT_ROOT", "/", 1);
        root_set = true;
    }
}

int sw_start_argc(void) { return start_argc; }
char *const *sw_start_argv(void) { return start_argv; }

void sw_forget_runtime_root(void) {
    if (root_set) unsetenv("SWIFT_ROOT");
}
