/*
 * Small async-signal-safe helpers shared by the child's path and the
 * helpers it forks (not part of the Swift module).
 */
#ifndef SWCLONE_IO_H
#define SWCLONE_IO_H

#include <stddef.h>
#include <sys/types.h>

/* waitid(2) on a pidfd (P_PIDFD, Linux 5.4). */
#define SW_P_PIDFD 3

/* Writes `text` to `path` in one write(2) at offset 0, as /proc's map files require. 0, or -1 with errno. */
int sw_write_file(const char *path, const char *text);
/* The same, `path` relative to the directory `dirfd` (AT_FDCWD: as sw_write_file). */
int sw_write_file_at(int dirfd, const char *path, const char *text);

/* write(2) and read(2) of a whole record, retried on EINTR: 0 when all of it moved, else -1 (errno, or 0 at end-of-file). */
int sw_write_all(int fd, const void *buf, size_t len);
int sw_read_all(int fd, void *buf, size_t len);

/* fork(2) as a raw clone3: glibc's fork handlers must not run in a clone3 child. 0 in the new process. */
pid_t sw_fork_raw(void);

/*
 * A helper process for work swclone cannot do from inside its new
 * namespaces (in place, it is the program's process): `body` runs in the
 * helper with the read end of a "go" pipe and the write end of a "report"
 * pipe, and its return value is the helper's exit status. The caller gets
 * the other two ends, close-on-exec. Returns the helper's PID, or -1 with errno.
 */
pid_t sw_start_helper(int (*body)(const void *arg, int go_fd, int report_fd), const void *arg,
                      int *go_fd, int *report_fd);

/* The same helper, detached: a grandchild that init (or the nearest subreaper) reaps. 0, or -1 with errno. */
int sw_start_detached_helper(int (*body)(const void *arg, int go_fd, int report_fd), const void *arg,
                             int *go_fd, int *report_fd);

#endif
