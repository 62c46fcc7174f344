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

#if defined(__x86_64__) || defined(__aarch64__)
/*
 * clone3 on a stack of the child's own: the child cannot return through the
 * caller's frame, so these few instructions call fn(arg) on the new stack and
 * exit with its result, as glibc's private clone3 wrapper does. Returns the
 * child's PID (or -errno) in the parent. The stack's top must be 16-byte aligned.
 */
long sw_clone3_call(struct sw_clone_args *args, size_t size, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl sw_clone3_call\n"
        ".type sw_clone3_call, @function\n"
        "sw_clone3_call:\n"
        "    endbr64\n"
        "    mov %rdx, %r8\n"          /* fn and arg in registers the syscall keeps */
        "    mov %rcx, %r9\n"
        "    mov $435, %eax\n"         /* SYS_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"         /* the child: no frame to unwind to */
        "    mov %r9, %rdi\n"
        "    call *%r8\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"          /* SYS_exit */
        "    syscall\n"
        "    hlt\n"
        "1:  ret\n"
        ".size sw_clone3_call, .-sw_clone3_call\n");
#else
__asm__(".text\n"
        ".globl sw_clone3_call\n"
        ".type sw_clone3_call, %function\n"
        "sw_clone3_call:\n"
        "    mov x10, x2\n"            /* fn and arg in registers the syscall keeps */
        "    mov x11, x3\n"
        "    mov x8, #435\n"           /* SYS_clone3 */
        "    svc #0\n"
        "    cbnz x0, 1f\n"
        "    mov x29, #0\n"            /* the child: no frame to unwind to */
        "    mov x30, #0\n"
        "    mov x0, x11\n"
        "    blr x10\n"
        "    mov x8, #93\n"            /* SYS_exit */
        "    svc #0\n"
        "1:  ret\n"
        ".size sw_clone3_call, .-sw_clone3_call\n");
#endif
#define SW_CLONE3_SHARES_MEMORY 1
#endif

/*
 * The same, into a cgroup v2 directory (CLONE_INTO_CGROUP, which glibc's
 * clone(2) cannot pass): clone3 with CLONE_VM | CLONE_VFORK and a stack in
 * this frame. Where there are no instructions for it, the child is a copy.
 */
static pid_t spawn_sharing_memory_into(const struct sw_child *child, struct sw_clone_args *args) {
#ifdef SW_CLONE3_SHARES_MEMORY
    _Alignas(16) char stack[64 * 1024];
    args->flags |= CLONE_VM | CLONE_VFORK;
    args->stack = (uint64_t)(uintptr_t)stack;
    args->stack_size = sizeof stack;
    long pid = sw_clone3_call(args, sizeof *args, shared_child_entry, (void *)child);
    if (pid < 0) {
        errno = (int)-pid;
        return -1;
    }
    return (pid_t)pid;
#else
    long pid = syscall(SYS_clone3, args, sizeof *args);
    if (pid == 0) sw_child_main(child);
    return (pid_t)pid;
#endif
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
    if (share_memory && cgroup_fd < 0) return spawn_sharing_memory(child, flags, pidfd);
    struct sw_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)set_tid;
    args.set_tid_size = set_tid_size;
    args.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0;
    if (share_memory) return spawn_sharing_memory_into(child, &args);
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
