/*
 * Writing a new user namespace's maps from outside it: by the launcher in
 * fork mode, by a helper process forked before unshare in place. The helper
 * runs this too, so only async-signal-safe calls: no malloc, no stdio.
 */
#define _GNU_SOURCE
#include "io.h"
#include "swclone_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Runs newuidmap/newgidmap and waits for it. Its stdout and stderr go to a
 * pipe, kept in the report, so an error stays one swclone line.
 */
static int run_helper(char *const *argv, char *const *envp, struct sw_map_report *r) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return -1;
    pid_t pid = sw_fork_raw();
    if (pid < 0) {
        int saved = errno;
        close(out[0]);
        close(out[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        /* The launcher blocks the signals it forwards; the helper should not inherit that. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(out[1], STDOUT_FILENO) >= 0 && dup2(out[1], STDERR_FILENO) >= 0)
            execve(argv[0], argv, envp);
        _exit(127);
    }
    close(out[1]);
    /* Keep what fits and drain the rest, so the helper never blocks on a full pipe. */
    char sink[256];
    for (;;) {
        size_t room = sizeof r->output - 1 - (size_t)r->output_len;
        ssize_t n = room ? read(out[0], r->output + r->output_len, room) : read(out[0], sink, sizeof sink);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (room) r->output_len += (int32_t)n;
    }
    close(out[0]);
    int status;
    pid_t w;
    do w = waitpid(pid, &status, 0); while (w < 0 && errno == EINTR);
    if (w < 0) return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r->output_len = 0;
        return 0;
    }
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    errno = 0;
    return -1;
}

static int failed(struct sw_map_report *r, enum sw_map_file file) {
    r->file = file;
    r->err = errno;
    return -1;
}

int sw_apply_user_maps(const struct sw_user_maps *m, struct sw_map_report *r) {
    memset(r, 0, sizeof *r);
    r->status = -1;
    /* First: an unprivileged gid_map write needs "deny" there already. */
    if (m->setgroups && sw_write_file(m->setgroups_path, m->setgroups) != 0)
        return failed(r, SW_MAP_SETGROUPS);
    if (m->newuidmap_argv ? run_helper(m->newuidmap_argv, m->helper_envp, r) != 0
                          : m->uid_map && sw_write_file(m->uid_map_path, m->uid_map) != 0)
        return failed(r, SW_MAP_UID);
    if (m->newgidmap_argv ? run_helper(m->newgidmap_argv, m->helper_envp, r) != 0
                          : m->gid_map && sw_write_file(m->gid_map_path, m->gid_map) != 0)
        return failed(r, SW_MAP_GID);
    return 0;
}
