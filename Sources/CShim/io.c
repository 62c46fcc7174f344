#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int sw_write_file(const char *path, const char *text) {
    return sw_write_file_at(AT_FDCWD, path, text);
}

int sw_write_file_at(int dirfd, const char *path, const char *text) {
    int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    ssize_t n;
    do n = write(fd, text, len); while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (n == (ssize_t)len) return 0;
    errno = n < 0 ? saved : EIO;
    return -1;
}

int sw_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int sw_read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = 0;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * struct clone_args in its first size (64 bytes), only exit_signal set. Where
 * a seccomp profile refuses clone3, the raw clone(2) does the same.
 */
pid_t sw_fork_raw(void) {
    uint64_t args[8] = { 0, 0, 0, 0, SIGCHLD, 0, 0, 0 };
    long pid = syscall(SYS_clone3, args, sizeof args);
    if (pid < 0 && (errno == ENOSYS || errno == EPERM)) pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    return (pid_t)pid;
}

static void close_pair(int fds[2]) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
}

static pid_t start_helper(int (*body)(const void *arg, int go_fd, int report_fd), const void *arg,
                          int *go_fd, int *report_fd, bool detached) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) return -1;
    if (pipe2(report, O_CLOEXEC) != 0) {
        close_pair(go);
        return -1;
    }
    pid_t pid = sw_fork_raw();
    if (pid == 0) {
        close(go[1]);
        close(report[0]);
        if (detached) {
            pid_t helper = sw_fork_raw();
            if (helper != 0) _exit(helper < 0 ? 1 : 0);
        }
        _exit(body(arg, go[0], report[1]));
    }
    if (pid < 0) {
        close_pair(go);
        close_pair(report);
        return -1;
    }
    close(go[0]);
    close(report[1]);
    if (detached) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            close(go[1]);
            close(report[0]);
            errno = EAGAIN;
            return -1;
        }
    }
    *go_fd = go[1];
    *report_fd = report[0];
    return pid;
}

pid_t sw_start_helper(int (*body)(const void *arg, int go_fd, int report_fd), const void *arg,
                      int *go_fd, int *report_fd) {
    return start_helper(body, arg, go_fd, report_fd, false);
}

int sw_start_detached_helper(int (*body)(const void *arg, int go_fd, int report_fd), const void *arg,
                             int *go_fd, int *report_fd) {
    return start_helper(body, arg, go_fd, report_fd, true) < 0 ? -1 : 0;
}
