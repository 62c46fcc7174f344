/* Creating the child: clone3, or a clone that shares our memory until exec. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args as of Linux 5.7 (CLONE_ARGS_SIZE_VER2, 88 bytes). */
struct sw_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

static int shared_child_entry(void *child) {
    sw_child_main(child);
}

/*
 * As posix_spawn: the child runs in our memory, on a stack in this frame,
 * while CLONE_VFORK holds us until it has exec'd or exited, so the kernel
 * copies none of our page tables and neither side takes copy-on-write faults.
 * glibc's clone(2) switches stacks portably; it has no set_tid or cgroup.
 */
static pid_t spawn_sharing_memory(const struct sw_child *child, uint64_t flags, int *pidfd) {
    _Alignas(16) char stack[64 * 1024];
    return clone(shared_child_entry, stack + sizeof stack, (int)flags | CLONE_VM | CLONE_VFORK | SIGCHLD,
                 (void *)child, pidfd);
}

/*
 * clone3 without arguments: the kernel refuses the size (EINVAL) before it
 * does anything, so nothing is created; a seccomp filter or a kernel without
 * clone3 answers first, with its own errno.
 */
int sw_clone3_refusal(void) {
    int saved = errno;
    long rc = syscall(SYS_clone3, NULL, 0);
    int refusal = rc < 0 && errno != EINVAL ? errno : 0;
    errno = saved;
    return refusal;
}

pid_t sw_spawn(const struct sw_child *child, uint64_t flags, int *pidfd,
               const pid_t *set_tid, size_t set_tid_size, int cgroup_fd, bool share_memory) {
    if (share_memory) return spawn_sharing_memory(child, flags, pidfd);
    struct sw_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)set_tid;
    args.set_tid_size = set_tid_size;
    args.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    /*
     * A container's seccomp profile may refuse clone3 (ENOSYS, so that glibc
     * falls back, or EPERM). Only on that failure, and only when it was
     * clone3 that refused rather than the namespaces: clone(2) with
     * CLONE_PIDFD makes the same child, as fork does (no stack of its own),
     * for a launch that needs neither set_tid nor a cgroup.
     */
    if (pid < 0 && (errno == ENOSYS || errno == EPERM) && set_tid_size == 0 && cgroup_fd < 0) {
        int err = errno;
        if (sw_clone3_refusal() != 0) {
            /* The pidfd goes where parent_tid would (x86_64 and arm64 alike). */
            pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0UL, pidfd, 0UL, 0UL);
        } else {
            errno = err;
        }
    }
    if (pid == 0) sw_child_main(child);
    return (pid_t)pid;
}
