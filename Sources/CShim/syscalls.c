/* Fixed-arity wrappers for the system calls glibc does not wrap. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
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
    if (pid == 0) sw_child_main(child);
    return (pid_t)pid;
}

pid_t sw_fork_raw(void) {
    struct sw_clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

int sw_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

int sw_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

int sw_open_directory_path(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int sw_is_cgroup2(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    return fs.f_type == CGROUP2_SUPER_MAGIC;
}

uint64_t sw_inode(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int sw_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int sw_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

int sw_signalfd(const sigset_t *set) {
    return signalfd(-1, set, SFD_CLOEXEC);
}

int sw_read_signal(int fd, int *signo, int *code) {
    struct signalfd_siginfo info;
    if (read(fd, &info, sizeof info) != (ssize_t)sizeof info) return -1;
    *signo = (int)info.ssi_signo;
    *code = info.ssi_code;
    return 0;
}
