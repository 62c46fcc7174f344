/*
 * The part of swclone that Swift cannot be: raw system calls (syscall(2) is
 * variadic), the constants glibc's Swift module hides, and the code a clone3
 * child runs before exec. After a raw clone3 glibc's fork handlers have not
 * run, so the child must not allocate, lock or touch the Swift runtime: the
 * parent prepares one struct sw_child and the child only makes system calls.
 */
#ifndef SWCLONE_SHIM_H
#define SWCLONE_SHIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Namespace and clone3 flags (linux/sched.h), hidden by the Glibc module. */
static const uint64_t SW_CLONE_NEWTIME = 0x00000080ULL;
static const uint64_t SW_CLONE_NEWNS = 0x00020000ULL;
static const uint64_t SW_CLONE_NEWCGROUP = 0x02000000ULL;
static const uint64_t SW_CLONE_NEWUTS = 0x04000000ULL;
static const uint64_t SW_CLONE_NEWIPC = 0x08000000ULL;
static const uint64_t SW_CLONE_NEWUSER = 0x10000000ULL;
static const uint64_t SW_CLONE_NEWPID = 0x20000000ULL;
static const uint64_t SW_CLONE_NEWNET = 0x40000000ULL;
static const uint64_t SW_CLONE_PIDFD = 0x00001000ULL;
static const uint64_t SW_CLONE_INTO_CGROUP = 0x200000000ULL;

/* Mount propagation (sys/mount.h), for --propagation. */
static const unsigned long SW_MS_REC = 16384UL;
static const unsigned long SW_MS_PRIVATE = 1UL << 18;
static const unsigned long SW_MS_SLAVE = 1UL << 19;
static const unsigned long SW_MS_SHARED = 1UL << 20;

/* open(2) flag for a cgroup directory handed to CLONE_INTO_CGROUP (hidden without _GNU_SOURCE). */
static const int SW_O_PATH = 010000000;

/* waitid(2) on a pidfd. */
static const int SW_P_PIDFD = 3;

/* The set-up steps, in the order a child runs them; reported on failure. */
enum sw_step {
    SW_STEP_NONE = 0,
    SW_STEP_UNSHARE,          /* in place: unshare(2) of the namespaces */
    SW_STEP_WAIT_PARENT,      /* the parent died before releasing the child */
    SW_STEP_ID_MAPS,          /* in place: the map helper failed; see struct sw_map_report */
    SW_STEP_SETGROUPS_FILE,   /* /proc/self/setgroups */
    SW_STEP_UID_MAP,          /* /proc/self/uid_map */
    SW_STEP_GID_MAP,          /* /proc/self/gid_map */
    SW_STEP_TIME_UNSHARE,
    SW_STEP_TIME_OFFSETS,     /* /proc/self/timens_offsets */
    SW_STEP_TIME_ENTER,
    SW_STEP_HOSTNAME,
    SW_STEP_LOOPBACK,
    SW_STEP_PROPAGATION,
    SW_STEP_CHROOT,
    SW_STEP_CHDIR,
    SW_STEP_MOUNT_PROC,
    SW_STEP_KEEPCAPS,         /* PR_SET_KEEPCAPS, so permitted survives the UID change */
    SW_STEP_SETGROUPS,
    SW_STEP_SETGID,
    SW_STEP_SETUID,
    SW_STEP_IDENTITY_CHECK,   /* the IDs or groups read back differ from the request */
    SW_STEP_CAP_BOUNDING,     /* PR_CAPBSET_DROP */
    SW_STEP_CAP_SETS,         /* capset: permitted, effective, inheritable */
    SW_STEP_CAP_AMBIENT,      /* PR_CAP_AMBIENT_CLEAR_ALL / RAISE */
    SW_STEP_CAP_CHECK,        /* the sets read back differ from the request */
    SW_STEP_NO_NEW_PRIVS,
    SW_STEP_SETSID,
    SW_STEP_PARENT_DEATH,     /* --kill-child: prctl or the launcher already gone */
    SW_STEP_TERMINAL,         /* its own process group, in the terminal's foreground */
    SW_STEP_INIT,             /* --init: its signalfd, or forking the program */
    SW_STEP_EXEC,
    /* In place, the helper that bind-mounts namespace files reports this plus the file's index. */
    SW_STEP_KEEP_NS = 64,
};

/* What a failed step reports: over the error pipe, or returned in place. */
struct sw_failure {
    int32_t step;
    int32_t err;
};

/*
 * The maps of a new user namespace, written from outside it (by the parent in
 * fork mode, by a helper process in place): setgroups first, then each map
 * either written directly or by running newuidmap/newgidmap. Paths name the
 * target's /proc/PID files.
 */
struct sw_user_maps {
    const char *setgroups_path;
    const char *setgroups;        /* "allow" / "deny", or NULL */
    const char *uid_map_path;
    const char *uid_map;          /* written directly, or NULL */
    const char *gid_map_path;
    const char *gid_map;
    char *const *newuidmap_argv;  /* run instead of writing uid_map, or NULL */
    char *const *newgidmap_argv;
    char *const *helper_envp;
};

/* What writing the maps reported: the failed file, and newuidmap's own words. */
struct sw_map_report {
    int32_t step;                 /* SW_STEP_SETGROUPS_FILE, _UID_MAP, _GID_MAP, or SW_STEP_NONE */
    int32_t err;                  /* errno of a write or of starting the helper, else 0 */
    int32_t status;               /* the helper's exit status (128+N for a signal), or -1 */
    int32_t output_len;
    char output[1008];            /* the helper's stderr, cut to fit */
};

/* Everything the child needs, prepared by the parent before clone3. */
struct sw_child {
    int unshare_flags;            /* in place only: namespaces to unshare(2) */
    int error_fd;                 /* write end of the error pipe, or -1 */
    int sync_fd;                  /* read end: the parent has written the ID maps, or -1 */
    int parent_pidfd;             /* the launcher, for --kill-child, or -1 */
    int death_signal;             /* --kill-child signal, or 0 */
    int run_init;                 /* --init: this child is PID 1 and forks the program */
    int status_fd;                /* --init: write end of the status pipe (struct sw_init_report), or -1 */
    int foreground_tty;           /* the terminal whose foreground the child takes over, or -1 */

    /* ID maps a process writes for itself after unshare(CLONE_NEWUSER). */
    const char *self_setgroups;
    const char *self_uid_map;
    const char *self_gid_map;
    int setgroups_denied;         /* setgroups(2) is refused in the new user namespace */
    /* In place, maps the launcher cannot write for itself: a helper made before
     * unshare writes them once the namespace exists, and reports here. */
    const struct sw_user_maps *helper_maps;
    struct sw_map_report *map_report;

    int new_time;                 /* unshare a time namespace and enter it */
    const char *timens_offsets;   /* written before anything runs in it, or NULL */
    /* Shared memory (MAP_SHARED) where the child puts the inode of the time
     * namespace it made, for --json-status; or NULL. */
    volatile uint64_t *time_ns_inode;
    const char *hostname;
    int loopback_up;
    unsigned long root_propagation; /* MS_REC | MS_PRIVATE..., or 0 to leave / alone */
    const char *root;
    const char *wd;
    const char *proc_dir;

    int set_gid;
    gid_t gid;
    int set_uid;
    uid_t uid;
    int no_new_privs;
    int new_session;

    /* Capability sets, bit N = capability N, computed by the parent (libcap). */
    int set_caps;                 /* apply them; otherwise the kernel's sets stay */
    uint64_t cap_known;           /* every capability the running kernel knows */
    uint64_t cap_kept;            /* permitted = effective = bounding */
    uint64_t cap_inheritable;     /* also ambient for a program whose UID is not 0 */
    /*
     * Namespaces kept in files (--uts=FILE...): once the namespaces exist,
     * the set-up path writes an sw_failure record on keep_ready_fd and waits
     * for whoever makes the bind mounts to answer one on keep_answer_fd
     * (step 0: done). -1: nothing to keep. keeper: that helper's PID in
     * place (reaped after its answer), 0 when the parent binds.
     */
    int keep_ready_fd;
    int keep_answer_fd;
    pid_t keeper;

    sigset_t sigmask;             /* the launcher's mask, restored before exec */

    /* argv has one free slot before argv[0] for the /bin/sh fallback on ENOEXEC. */
    char **argv;
    char *const *envp;
    const char *const *candidates; /* the paths to try, in order, NULL-terminated */
};

/*
 * What --init tells the launcher over the status pipe about the program
 * (PID 2). A PID 1 cannot die by a signal it sends itself, so "killed by N"
 * travels here and the launcher dies by N; a stop travels here so the
 * launcher stops too and the caller's shell sees the job stopped.
 */
enum sw_init_event { SW_INIT_KILLED = 1, SW_INIT_STOPPED = 2 };
struct sw_init_report {
    int32_t event;
    int32_t signal;
};

/*
 * The signals a supervisor (swclone, or its --init) blocks and forwards to
 * the program: every catchable signal but SIGCHLD and the synchronous faults
 * (SEGV, BUS, ILL, FPE, TRAP, SYS, ABRT), real-time ones included.
 */
void sw_forwarded_signals(sigset_t *set);

/*
 * Creates the child with clone3 and `flags` (CLONE_NEW*, CLONE_PIDFD,
 * CLONE_INTO_CGROUP); the child runs sw_child_main and never returns here.
 * `share_memory`: the child borrows our memory until it execs and we wait
 * meanwhile (CLONE_VM | CLONE_VFORK); only for a child that needs nothing
 * from us before its exec, with no set_tid, no cgroup, no time namespace
 * (setns refuses a process sharing its memory) and flags below bit 32.
 * Returns the PID, or -1 with errno set.
 */
pid_t sw_spawn(const struct sw_child *child, uint64_t flags, int *pidfd,
               const pid_t *set_tid, size_t set_tid_size, int cgroup_fd, bool share_memory);

/*
 * Capabilities (capabilities.c), applied with raw system calls: libcap's
 * cap_set_proc and cap_iab_set_proc allocate, which a clone3 child must not.
 * sw_caps_before_identity runs before the UID change, sw_apply_caps after it.
 */
struct sw_failure sw_caps_before_identity(const struct sw_child *child);
struct sw_failure sw_apply_caps(const struct sw_child *child);
/* 1 when swclone was started set-user-ID, set-group-ID or with file capabilities. */
int sw_secure_exec(void);

/* In place (no fork): unshare, set up and exec. Returns only on failure. */
struct sw_failure sw_run_in_place(const struct sw_child *child);

/*
 * Writes a new user namespace's maps from outside it. Returns 0, or -1 with
 * the report filled in. Async-signal-safe: the in-place helper runs it.
 */
int sw_apply_user_maps(const struct sw_user_maps *maps, struct sw_map_report *report);

/* fork(2) as a raw clone3: no fork handlers. 0 in the child. */
pid_t sw_fork_raw(void);

int sw_pidfd_open(pid_t pid, unsigned int flags);
/* open(path, O_PATH|O_DIRECTORY|O_CLOEXEC), for CLONE_INTO_CGROUP. */
int sw_open_directory_path(const char *path);
/* 1 if fd is on a cgroup v2 filesystem, 0 if not, -1 with errno. */
int sw_is_cgroup2(int fd);
/* The inode of a file (a /proc/PID/ns link's namespace), or 0 with errno. */
uint64_t sw_inode(const char *path);
/* setns(2), hidden by the Glibc module; `fd` a namespace file or a pidfd. */
int sw_setns(int fd, int nstype);
/* The CLONE_NEW* type of a namespace file (ioctl NS_GET_NSTYPE), or -1 with errno. */
int sw_namespace_type(int fd);
/* The mount ID of the mount `path` is on (statx STATX_MNT_ID), or -1 with errno. */
int sw_mount_id(const char *path, uint64_t *id);

/*
 * In place, the program keeps swclone's process, so a helper forked before
 * unshare (still in the caller's mount namespace) makes the bind mounts of
 * sources[i] on targets[i] when told the namespaces exist. Sets the two
 * descriptors of struct sw_child; returns the helper's PID or -1 with errno.
 */
pid_t sw_start_keeper(const char *const *sources, const char *const *targets, int count,
                      int *ready_fd, int *answer_fd);
/* pipe2(O_CLOEXEC), which the Glibc module hides without _GNU_SOURCE. */
int sw_pipe_cloexec(int fds[2]);
/* pipe2(O_CLOEXEC | O_NONBLOCK): the --init status pipe, read only when ready. */
int sw_pipe_nonblocking(int fds[2]);
/* A close-on-exec signalfd for `set`, and one read of it: the signal and its si_code. */
int sw_signalfd(const sigset_t *set);
int sw_read_signal(int fd, int *signo, int *code);
int sw_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags);

/*
 * Reaps the child behind `pidfd` (blocking). Returns 0 and sets *signal to 0
 * and *status to its exit status, or *signal to the signal that killed it;
 * -1 with errno on failure.
 */
int sw_wait_pidfd(int pidfd, int *status, int *signal);

/*
 * The stop signal that stopped the child behind `pidfd` since the last call,
 * or 0 (waitid WSTOPPED|WNOHANG: the child is not reaped).
 */
int sw_child_stopped(int pidfd);

/* Stops the launcher by `sig` (SIGTSTP, SIGTTIN...), as the program stopped; returns once continued. */
void sw_stop_like(int sig);

/* Ends the launcher by `sig`, as the program ended, without a core dump. */
_Noreturn void sw_die_by_signal(int sig);

#endif
