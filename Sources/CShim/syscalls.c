/* Fixed-arity wrappers for the system calls glibc does not wrap, and the calls Swift cannot see. */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

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

int sw_die_with_parent(pid_t parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return -1;
    /* The parent may have died before the prctl: then ours is already someone else. */
    return getppid() == parent ? 0 : 1;
}
