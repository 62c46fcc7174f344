/*
 * What Swift calls in C, and nothing else (the child path's own helpers are
 * in the headers beside the .c files). C is needed for raw system calls
 * (syscall(2) is variadic), for the constants the Glibc module hides, and for
 * the code a clone3 child runs before exec: after a raw clone3 glibc's fork
 * handlers have not run, so the child must not allocate, lock or touch the
 * Swift runtime. The parent fills one struct sw_child, whose ordered list of
 * set-up operations the child runs with system calls only.
 */
#ifndef SWCLONE_SHIM_H
#define SWCLONE_SHIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Enums Swift imports as frozen enums (switches need no default), with Swift names. */
#define SW_CLOSED __attribute__((enum_extensibility(closed)))
#define SW_SWIFT(name) __attribute__((swift_name(#name)))

#pragma clang assume_nonnull begin

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
/* umount2(2): never follow a symbolic link in the last component. */
static const int SW_UMOUNT_NOFOLLOW = 8;

/*
 * Every point at which a launch can fail once the plan is made: a set-up
 * operation's system call, a helper, or the exec. Reported with errno and,
 * for operations and kept files, the index of the failing item.
 */
enum SW_CLOSED sw_step : int32_t {
    SW_STEP_NONE SW_SWIFT(none) = 0,
    SW_STEP_UNSHARE SW_SWIFT(unshare),                 /* in place: unshare(2) of the namespaces */
    SW_STEP_WAIT_PARENT SW_SWIFT(waitParent),          /* the launcher went away before releasing the child */
    SW_STEP_JOIN_CGROUP SW_SWIFT(joinCgroup),          /* entering a transient cgroup v1 directory */
    SW_STEP_MAP_HELPER SW_SWIFT(mapHelper),            /* in place: the helper writing the maps failed; see sw_map_report */
    SW_STEP_SETGROUPS_FILE SW_SWIFT(setgroupsFile),    /* /proc/PID/setgroups */
    SW_STEP_UID_MAP SW_SWIFT(uidMap),
    SW_STEP_GID_MAP SW_SWIFT(gidMap),
    SW_STEP_SETGROUPS_CHECK SW_SWIFT(setgroupsCheck),  /* /proc/self/setgroups is not what was asked */
    SW_STEP_TIME_UNSHARE SW_SWIFT(timeUnshare),
    SW_STEP_TIME_OFFSETS SW_SWIFT(timeOffsets),        /* /proc/self/timens_offsets */
    SW_STEP_TIME_ENTER SW_SWIFT(timeEnter),
    SW_STEP_KEEP_NS SW_SWIFT(keepNamespace),           /* binding kept namespace file `index` */
    SW_STEP_HOSTNAME SW_SWIFT(hostname),
    SW_STEP_LOOPBACK SW_SWIFT(loopback),
    SW_STEP_PROPAGATION SW_SWIFT(propagation),
    SW_STEP_CHROOT SW_SWIFT(chroot),
    SW_STEP_CHDIR SW_SWIFT(chdir),
    SW_STEP_MOUNT_PROC SW_SWIFT(mountProc),
    SW_STEP_MAKE_PRIVATE SW_SWIFT(makePrivate),       /* the proc mount point, when / keeps its propagation */
    SW_STEP_RLIMIT SW_SWIFT(resourceLimit),            /* --rlimit: prlimit */
    SW_STEP_KEEPCAPS SW_SWIFT(keepCaps),               /* PR_SET_KEEPCAPS, so permitted survives the UID change */
    SW_STEP_SETGROUPS SW_SWIFT(setgroups),
    SW_STEP_SETGID SW_SWIFT(setgid),
    SW_STEP_SETUID SW_SWIFT(setuid),
    SW_STEP_IDENTITY_CHECK SW_SWIFT(identityCheck),    /* the IDs or groups read back differ */
    SW_STEP_CAP_BOUNDING SW_SWIFT(capBounding),        /* PR_CAPBSET_DROP */
    SW_STEP_CAP_SETS SW_SWIFT(capSets),                /* capset: permitted, effective, inheritable */
    SW_STEP_CAP_AMBIENT SW_SWIFT(capAmbient),
    SW_STEP_CAP_CHECK SW_SWIFT(capCheck),              /* the sets read back differ */
    SW_STEP_NO_NEW_PRIVS SW_SWIFT(noNewPrivs),
    SW_STEP_SETSID SW_SWIFT(setsid),
    SW_STEP_PARENT_DEATH SW_SWIFT(parentDeath),        /* --kill-child: prctl, or the launcher already gone */
    SW_STEP_TERMINAL SW_SWIFT(terminal),               /* its own process group, in the terminal's foreground */
    SW_STEP_PROCESS_GROUP SW_SWIFT(processGroup),      /* its own process group, for --timeout to kill */
    SW_STEP_INIT SW_SWIFT(initProcess),                /* --init: its signalfd, or forking the program */
    SW_STEP_VIEW_ROOT SW_SWIFT(viewRoot),              /* the new root: its tmpfs, pivot_root, the old root's detach */
    SW_STEP_VIEW_SOURCE SW_SWIFT(viewSource),          /* a view operation's source (missing, or replaced under --bind-fd) */
    SW_STEP_VIEW_CREATE SW_SWIFT(viewCreate),          /* creating a destination or its parents in the new root */
    SW_STEP_VIEW_MOUNT SW_SWIFT(viewMount),            /* the bind or the new filesystem */
    SW_STEP_VIEW_READ_ONLY SW_SWIFT(viewReadOnly),     /* making a mount and every mount below it read-only */
    SW_STEP_VIEW_WRITE SW_SWIFT(viewWrite),            /* copying --file / --bind-data contents, chmod */
    SW_STEP_LANDLOCK SW_SWIFT(landlock),               /* the Landlock ruleset, a rule, or restricting */
    SW_STEP_USERNS_LIMIT SW_SWIFT(userNamespaceLimit), /* --disable-userns: user.max_user_namespaces */
    SW_STEP_USERNS_NEST SW_SWIFT(userNamespaceNest),   /* --disable-userns: the nested user namespace and its maps */
    SW_STEP_USERNS_ASSERT SW_SWIFT(userNamespaceAssert), /* a user namespace could still be created */
    SW_STEP_LOCK_FILE SW_SWIFT(lockFile),              /* --lock-file: opening or locking it */
    SW_STEP_WAIT_FD SW_SWIFT(waitDescriptor),          /* --block-fd, --userns-block-fd */
    SW_STEP_USERNS_JOIN SW_SWIFT(userNamespaceJoin),   /* --userns2 */
    SW_STEP_PID_NEST SW_SWIFT(pidNamespaceNest),       /* --pidns with --unshare-pid */
    SW_STEP_SECCOMP SW_SWIFT(seccomp),                 /* loading a seccomp filter: the kernel refused it */
    SW_STEP_OWNER SW_SWIFT(owner),                     /* in place, --owner: its IDs taken before unshare */
    SW_STEP_EXEC SW_SWIFT(exec),
};

/* A failed step: over the error pipe, or returned in place. */
struct sw_failure {
    enum sw_step step;
    int32_t err;
    int32_t index;     /* the operation (or kept file) that failed, else 0 */
    char detail[256];  /* what was found instead, where the message names it (an existing link's target) */
};

/*
 * Progress a child reports on the error pipe, as a record with step
 * SW_STEP_NONE and this in `err`: its namespaces exist (for whoever keeps
 * them in files), or it is about to exec. End-of-file without the second
 * means the child died during its set-up. The keeper of --NS=FILE hears
 * both too (the first with the child's PID in `index`, from swclone).
 */
enum SW_CLOSED sw_progress : int32_t {
    SW_PROGRESS_NAMESPACES_READY SW_SWIFT(namespacesReady) = 1,
    SW_PROGRESS_EXECUTING SW_SWIFT(executing) = 2,
};

/* The one rule from a failure to swclone's exit status: 127 not found, 126 cannot run, 125 set-up. */
int sw_exit_status(struct sw_failure failure);

/*
 * The set-up operations a child (or swclone itself, in place) runs between
 * the new namespaces and exec, in the order of the array: the launch plan
 * decides the order. A failure reports the operation's index.
 */
enum SW_CLOSED sw_op_kind : int32_t {
    SW_OP_WAIT_PARENT SW_SWIFT(waitParent),       /* fd: read one byte (the parent wrote our maps) */
    SW_OP_JOIN_CGROUP SW_SWIFT(joinCgroup),       /* path: a cgroup v1 `tasks` file; "0" written moves this thread */
    SW_OP_WRITE_FILE SW_SWIFT(writeFile),         /* path, text; step: what a failure reports */
    SW_OP_EXPECT_FILE SW_SWIFT(expectFile),       /* path starts with text, or step fails with EPERM */
    SW_OP_NEW_TIME_NS SW_SWIFT(newTimeNamespace), /* text: timens_offsets or NULL; inode_slot */
    SW_OP_KEEP_NAMESPACES SW_SWIFT(keepNamespaces), /* announce on fd, wait for the answer on fd2 */
    SW_OP_HOSTNAME SW_SWIFT(hostname),            /* text */
    SW_OP_LOOPBACK_UP SW_SWIFT(loopbackUp),
    SW_OP_PROPAGATION SW_SWIFT(propagation),      /* flags: MS_REC | MS_PRIVATE... for / */
    SW_OP_CHROOT SW_SWIFT(chroot),                /* path */
    SW_OP_CHDIR SW_SWIFT(chdir),                  /* path */
    SW_OP_MAKE_PRIVATE SW_SWIFT(makePrivate),     /* path: a mount point, recursively private */
    SW_OP_MOUNT_PROC SW_SWIFT(mountProc),         /* path */
    SW_OP_RLIMIT SW_SWIFT(resourceLimit),         /* rlimit */
    SW_OP_IDENTITY SW_SWIFT(identity),            /* identity */
    SW_OP_CAPABILITIES SW_SWIFT(capabilities),    /* caps */
    SW_OP_NO_NEW_PRIVS SW_SWIFT(noNewPrivs),
    SW_OP_NEW_SESSION SW_SWIFT(newSession),
    SW_OP_PARENT_DEATH SW_SWIFT(parentDeath),     /* signal; fd: the launcher's pidfd */
    SW_OP_TERMINAL SW_SWIFT(terminal),            /* fd: the terminal whose foreground to take */
    SW_OP_PROCESS_GROUP SW_SWIFT(processGroup),   /* setpgid(0, 0) */
    /* The filesystem view (view.c): a new root built on a tmpfs mounted over `path` of the old
     * root, entered with pivot_root, the old root reachable as /oldroot until SW_OP_VIEW_FINISH
     * detaches it. `dest` is relative to the new root and resolved inside it (RESOLVE_IN_ROOT);
     * `path` is a source under /oldroot. */
    SW_OP_VIEW_BEGIN SW_SWIFT(viewBegin),         /* path: where the tmpfs goes */
    SW_OP_VIEW_BIND SW_SWIFT(viewBind),           /* path → dest; flags: SW_VIEW_*; fd >= 0: --bind-fd's */
    SW_OP_VIEW_REMOUNT_RO SW_SWIFT(viewRemountReadOnly), /* dest */
    SW_OP_VIEW_FS SW_SWIFT(viewFilesystem),       /* text: type; config: key, value pairs; attributes */
    SW_OP_VIEW_PROC SW_SWIFT(viewProc),           /* dest; flags & SW_VIEW_NEW: a new proc, else the old root's */
    SW_OP_VIEW_DEV SW_SWIFT(viewDev),             /* dest; path: the terminal for /dev/console, or NULL */
    SW_OP_VIEW_DIR SW_SWIFT(viewDir),             /* dest, mode */
    SW_OP_VIEW_SYMLINK SW_SWIFT(viewSymlink),     /* text: the link's target, dest */
    SW_OP_VIEW_CHMOD SW_SWIFT(viewChmod),         /* dest, mode */
    SW_OP_VIEW_FILE SW_SWIFT(viewFile),           /* fd's contents → dest, mode; flags & SW_VIEW_BIND: bound, not created */
    SW_OP_VIEW_FINISH SW_SWIFT(viewFinish),
    SW_OP_LANDLOCK SW_SWIFT(landlock),            /* landlock */
    SW_OP_CHDIR_FIRST SW_SWIFT(chdirFirst),       /* config: directory, "PWD=directory" pairs; the first that works sets *env_slot */
    SW_OP_LOCK_FILE SW_SWIFT(lockFile),           /* path: opened and read-locked, kept by a child that never execs */
    SW_OP_WAIT_FD SW_SWIFT(waitDescriptor),       /* fd: read a byte, or end-of-file */
    SW_OP_SETNS SW_SWIFT(setns),                  /* fd, flags: the namespace type */
    SW_OP_NEST_USERNS SW_SWIFT(nestUserNamespace), /* identity.uid, identity.gid: mapped to themselves */
    SW_OP_ASSERT_NO_USERNS SW_SWIFT(assertNoUserNamespace),
    SW_OP_NEST_PID_NS SW_SWIFT(nestPIDNamespace),  /* fd: the error pipe, fd2: the keeper's (or -1), which the relay left above closes */
    /* seccomp: one classic-BPF program. The plan puts these last; they are loaded at the hand-over
     * (after the launcher's signal mask is back, just before execve; --init loads them after its fork). */
    SW_OP_SECCOMP SW_SWIFT(seccomp),
};

/* SW_OP_VIEW_* flags. */
static const unsigned long SW_VIEW_READ_ONLY = 1;  /* the mount and every mount below it */
static const unsigned long SW_VIEW_DEVICES = 2;    /* device files work (no nodev) */
static const unsigned long SW_VIEW_OPTIONAL = 4;   /* a missing source skips the operation */
static const unsigned long SW_VIEW_NEW = 8;        /* --proc: a new instance */
static const unsigned long SW_VIEW_BIND = 16;      /* --bind-data: a file of its own, bound */
static const unsigned long SW_VIEW_SCRATCH_DIRS = 32; /* --tmp-overlay: make the upperdir and workdir first */

/* mount_setattr(2) attributes, for SW_OP_VIEW_FS. */
static const unsigned long SW_MOUNT_ATTR_RDONLY = 0x1;
static const unsigned long SW_MOUNT_ATTR_NOSUID = 0x2;
static const unsigned long SW_MOUNT_ATTR_NODEV = 0x4;
static const unsigned long SW_MOUNT_ATTR_NOEXEC = 0x8;

/* One Landlock rule: the file hierarchy at `path` (in the final root) and the rights it keeps. */
struct sw_landlock_rule {
    const char *path;
    uint64_t access;
};

/* The Landlock ruleset: the rights it handles (everything the ABI knows), and its rules. */
struct sw_landlock {
    uint64_t handled;
    const struct sw_landlock_rule *_Nullable rules;
    int rule_count;
};

/* A seccomp filter as the kernel takes it: `length` instructions of struct sock_filter, 8 bytes each. */
struct sw_seccomp_program {
    const void *_Nullable instructions;
    uint16_t length;
};

/* The program's IDs: groups dropped, then GID, then UID, all read back. */
struct sw_identity {
    bool set_uid;
    bool set_gid;
    uid_t uid;
    gid_t gid;
    bool groups_denied;   /* setgroups(2) is refused in this user namespace: keeping the groups is right */
    bool keep_caps;       /* PR_SET_KEEPCAPS first, for a capability step after a UID change */
};

/* Capability sets, bit N = capability N, computed by the parent (libcap). */
struct sw_caps {
    uint64_t known;        /* every capability the running kernel knows */
    uint64_t kept;         /* permitted = effective = bounding */
    uint64_t inheritable;  /* also ambient for a program whose UID is not 0 */
};

/* A resource limit; a side not set keeps its current value (prlimit's SOFT: and :HARD). */
struct sw_rlimit {
    int resource;
    bool set_soft;
    bool set_hard;
    uint64_t soft;        /* UINT64_MAX: RLIM_INFINITY */
    uint64_t hard;
};

struct sw_op {
    enum sw_op_kind kind;
    enum sw_step step;                  /* SW_OP_WRITE_FILE: the step a failure reports */
    const char *_Nullable path;
    const char *_Nullable text;
    unsigned long flags;
    int fd;
    int fd2;
    int signal;
    volatile uint64_t *_Nullable inode_slot; /* shared memory (MAP_SHARED) for the time namespace's inode */
    const char *_Nullable dest;         /* SW_OP_VIEW_*: relative to the new root */
    unsigned int mode;                  /* SW_OP_VIEW_*: a created item's mode; SW_OP_VIEW_FINISH: the umask */
    unsigned int parent_mode;           /* SW_OP_VIEW_*: the mode of missing parents made for dest */
    uint64_t attributes;                /* SW_OP_VIEW_FS: MOUNT_ATTR_* of the new mount */
    const char *const _Nullable *_Nullable config; /* SW_OP_VIEW_FS: key, value, ..., NULL (a NULL value: a flag) */
    struct sw_landlock landlock;
    char *_Nullable *_Nullable env_slot; /* SW_OP_CHDIR_FIRST: the program's PWD entry, set to the directory chosen */
    struct sw_identity identity;
    struct sw_caps caps;
    struct sw_rlimit rlimit;
    struct sw_seccomp_program seccomp;
};

/*
 * A new user namespace's maps written from outside it (by the parent in fork
 * mode, by a helper in place): setgroups first, then each map written
 * directly or by newuidmap/newgidmap. Paths name the target's /proc/PID files.
 */
struct sw_user_maps {
    const char *setgroups_path;
    const char *_Nullable setgroups;             /* "allow" / "deny", or NULL */
    const char *uid_map_path;
    const char *_Nullable uid_map;               /* written directly, or NULL */
    const char *gid_map_path;
    const char *_Nullable gid_map;
    char *const _Nullable *_Nullable newuidmap_argv; /* run instead of writing uid_map, or NULL */
    char *const _Nullable *_Nullable newgidmap_argv;
    char *const _Nullable *_Nonnull helper_envp;
};

/* The file whose write failed, in the order they are written. */
enum SW_CLOSED sw_map_file : int32_t {
    SW_MAP_NONE SW_SWIFT(none) = 0,
    SW_MAP_SETGROUPS SW_SWIFT(setgroups),
    SW_MAP_UID SW_SWIFT(uidMap),
    SW_MAP_GID SW_SWIFT(gidMap),
};

/* What writing the maps reported: the failed file, and newuidmap's own words. */
struct sw_map_report {
    enum sw_map_file file;
    int32_t err;          /* errno of a write or of starting the helper, else 0 */
    int32_t status;       /* the helper's exit status (128+N for a signal), or -1 */
    int32_t output_len;
    char output[1008];    /* the helper's stderr, cut to fit */
};

/* Everything the child needs, prepared by the parent before clone3. sw_child_init gives the defaults. */
struct sw_child {
    int error_fd;                 /* write end of the error pipe, or -1 (in place: failures are returned) */
    int keeper_fd;                /* write end of the keeper's pipe (sw_start_keeper): "executing" goes there too, or -1 */
    /* The launcher's ends of the channels, closed first: a child holding the
     * write end of the pipe it waits on would wait forever once swclone died. */
    const int *_Nullable parent_fds;
    int parent_fd_count;
    int unshare_flags;            /* in place only: the namespaces to unshare(2) */
    /* In place, maps swclone cannot write for itself: a helper made before
     * unshare writes them once the namespace exists, and reports here. */
    const struct sw_user_maps *_Nullable helper_maps;
    struct sw_map_report *_Nullable map_report;
    /* In place, unshare's --owner: these IDs (and no groups) are taken after the
     * helper is made and before unshare, so that the new user namespace is theirs. */
    bool set_owner;
    uid_t owner_uid;
    gid_t owner_gid;

    const struct sw_op *_Nullable ops;
    int op_count;

    bool run_init;                /* --init: this child is PID 1 and forks the program */
    int program_death_signal;     /* under --init: the program's parent-death signal (the init's does not pass on), or 0 */
    int status_fd;                /* --init: write end of the status pipe (struct sw_init_report), or -1 */

    sigset_t sigmask;             /* the launcher's mask, restored before exec */
    /* argv has one free slot before argv[0] for the /bin/sh fallback on ENOEXEC. */
    char *_Nullable *_Nullable argv;
    char *const _Nullable *_Nullable envp;
    const char *const _Nullable *_Nullable candidates; /* the paths to try, in order, NULL-terminated */
};

void sw_child_init(struct sw_child *child);
void sw_op_init(struct sw_op *op, enum sw_op_kind kind);

/*
 * What --init tells the launcher over the status pipe about the program
 * (PID 2). A PID 1 cannot die by a signal it sends itself, so "killed by N"
 * travels here and the launcher dies by N; a stop travels here so the
 * launcher stops too and the caller's shell sees the job stopped.
 */
enum SW_CLOSED sw_init_event : int32_t {
    SW_INIT_KILLED SW_SWIFT(killed) = 1,
    SW_INIT_STOPPED SW_SWIFT(stopped) = 2,
};
struct sw_init_report {
    enum sw_init_event event;
    int32_t signal;
};

/*
 * Creates the child and runs the set-up operations and the program in it;
 * never returns in the child. `flags`: CLONE_NEW*, CLONE_PIDFD,
 * CLONE_INTO_CGROUP. `share_memory`: the child borrows our memory until it
 * execs and we wait meanwhile (CLONE_VM | CLONE_VFORK, as posix_spawn); only
 * for a child that needs nothing from us before its exec, with no set_tid and
 * no time namespace (into a cgroup through clone3 on a stack of its own, on
 * x86_64 and arm64; elsewhere the child is a copy). Returns the PID, or -1
 * with errno set.
 */
pid_t sw_spawn(const struct sw_child *child, uint64_t flags, int *pidfd,
               const pid_t *_Nullable set_tid, size_t set_tid_size, int cgroup_fd, bool share_memory);
/*
 * Where clone3 is refused (a seccomp profile, a kernel before 5.3), sw_spawn
 * makes a child that needs no set_tid and no cgroup with clone(2) and
 * CLONE_PIDFD instead; one that needs them fails with clone3's errno. This
 * probe creates nothing: 0 when clone3 is there, else the errno it gets.
 */
int sw_clone3_refusal(void);

/*
 * unshare's --owner in fork mode: a new user namespace belongs to the
 * effective IDs of the process that creates it, so swclone takes `uid` and
 * `gid` (no groups) around the clone, keeping its saved IDs so that
 * sw_owner_restore gives it its own back. 0, or -1 with errno.
 */
int sw_owner_take(uid_t uid, gid_t gid);
int sw_owner_restore(uid_t ruid, uid_t euid, gid_t rgid, gid_t egid, const gid_t *_Nullable groups, size_t count);

/* In place (no child): unshare, set up and exec. Returns only on failure. */
struct sw_failure sw_run_in_place(const struct sw_child *child);

/* Writes a new user namespace's maps from outside it: 0, or -1 with the report filled in. */
int sw_apply_user_maps(const struct sw_user_maps *maps, struct sw_map_report *report);

/*
 * --NS=FILE: a helper forked before the namespaces exist (so in the caller's
 * mount namespace, and detached so that nobody has to reap it) bind-mounts
 * /proc/PID/ns/names[i] on targets[i] (an opened file, /proc/self/fd/N;
 * paths[i] is its name, to unmount) when told on ready_fd that the
 * namespaces exist, and answers on answer_fd (a failure record, step NONE:
 * done). PID is `pid` (in place: swclone's), or 0 for the one in the ready
 * record's index (a child's, passed on by swclone). The binds stay only if
 * "executing" (struct sw_child's keeper_fd) comes before end-of-file on
 * ready_fd: the program's own exec closes the last write end. End-of-file
 * without it (everyone holding the pipe died first) or a record after it
 * (sw_undo_keeper: the launch failed) takes them away again. Returns 0, or
 * -1 with errno.
 */
int sw_start_keeper(pid_t pid, const char *const _Nullable *_Nonnull names, const char *const _Nullable *_Nonnull targets,
                    const char *const _Nullable *_Nonnull paths, int count, int *ready_fd, int *answer_fd);
void sw_undo_keeper(int ready_fd, int answer_fd);

/*
 * The signals a supervisor (swclone, or its --init) blocks and forwards to
 * the program: every catchable signal but SIGCHLD and the synchronous faults
 * (SEGV, BUS, ILL, FPE, TRAP, SYS, ABRT), real-time ones included.
 */
void sw_forwarded_signals(sigset_t *set);

/*
 * swclone's own arguments as the process was started with them (argv from
 * the kernel, not /proc), and the SWIFT_ROOT that start-up set where /proc
 * could not tell the runtime where it is: removed before anything runs.
 */
int sw_start_argc(void);
char *const _Nullable *_Nullable sw_start_argv(void);
void sw_forget_runtime_root(void);

/*
 * --seccomp-default's filter (seccomp_default.c), built with libseccomp for the native architecture and
 * its compat ABIs: 0 and a malloc'd program (free it) of *length bytes, or -1 with errno.
 * `refuse_attach`: the program shares the caller's PID namespace, so PTRACE_ATTACH, PTRACE_SEIZE and
 * the calls with ptrace's access check reach processes outside the sandbox, and are refused too.
 */
int sw_default_seccomp_program(bool refuse_attach, void *_Nullable *_Nonnull program, size_t *length);

/* --die-with-parent: swclone gets SIGKILL when its parent dies. 0, or -1 with errno when the
   prctl fails, or 1 when the parent has already died (swclone's parent is not `parent`). */
int sw_die_with_parent(pid_t parent);

/* The Landlock ABI the kernel offers (1, 2...), or -1 with errno (ENOSYS, EOPNOTSUPP: none). */
int sw_landlock_abi(void);

/* The process's effective and permitted capability sets (capget), or -1 with errno. */
int sw_capabilities(uint64_t *effective, uint64_t *permitted);
/* 1 when swclone was started set-user-ID, set-group-ID or with file capabilities. */
int sw_secure_exec(void);
/* For --version: the git commit swclone was built from and the Swift compiler's version (build_info.c). */
const char *sw_build_commit(void);
const char *sw_build_swift(void);
/* 1 for a static executable (-static-executable): libcap and the C library are linked in. */
int sw_is_static(void);

int sw_pidfd_open(pid_t pid, unsigned int flags);
int sw_pidfd_send_signal(int pidfd, int sig, siginfo_t *_Nullable info, unsigned int flags);
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
/* A copy of the target's descriptor `fd` (pidfd_getfd(2), close-on-exec), or -1 with errno. */
int sw_pidfd_getfd(int pidfd, int fd);
/* The network namespace of a socket (ioctl SIOCGSKNS), as a new descriptor, or -1 with errno. */
int sw_socket_network_namespace(int socket);
/* The user namespace that owns namespace `fd` (ioctl NS_GET_USERNS; a user namespace's parent), or -1 with errno. */
int sw_namespace_owner(int fd);
/* The mount ID of the mount the opened file `fd` is on (statx STATX_MNT_ID), or -1 with errno. */
int sw_mount_id(int fd, uint64_t *id);
/* pipe2(O_CLOEXEC), which the Glibc module hides without _GNU_SOURCE. */
int sw_pipe_cloexec(int fds[_Nonnull 2]);
/* pipe2(O_CLOEXEC | O_NONBLOCK): the --init status pipe, read only when ready. */
int sw_pipe_nonblocking(int fds[_Nonnull 2]);
/* A close-on-exec signalfd for `set`, and one read of it: the signal and its si_code. */
int sw_signalfd(const sigset_t *set);
int sw_read_signal(int fd, int *signo, int *code);

/*
 * Reaps the child behind `pidfd` (blocking). Returns 0 and sets *signal to 0
 * and *status to its exit status, or *signal to the signal that killed it;
 * -1 with errno on failure.
 */
int sw_wait_pidfd(int pidfd, int *status, int *signal);
/* The stop signal that stopped the child behind `pidfd` since the last call, or 0 (not reaped). */
int sw_child_stopped(int pidfd);
/* Stops the launcher by `sig` (SIGTSTP, SIGTTIN...), as the program stopped; returns once continued. */
void sw_stop_like(int sig);
/* glibc's abbreviation of a signal ("SEGV"), or NULL for a real-time signal or a number that is none. */
const char *_Nullable sw_signal_abbrev(int sig);
/* The real-time signals a program may use (glibc keeps the first two for itself): 34 and 64 on Linux. */
int sw_sigrtmin(void);
int sw_sigrtmax(void);
/*
 * `getent DATABASE -- KEY` (every name service of nsswitch.conf, which the
 * static build cannot load) into buffer, NUL-terminated: its length, or -1
 * with errno (ENOENT: no getent, or no such entry).
 */
int sw_getent(const char *database, const char *key, char *buffer, size_t size);
/* glibc's name of an errno value ("EPERM", strerrorname_np), or NULL for a number that is none. */
const char *_Nullable sw_errno_name(int err);

/* swclone --check: how far a throwaway child got (host_probes.c). */
enum SW_CLOSED sw_probe_stage : int32_t {
    SW_PROBE_NONE SW_SWIFT(none) = 0,
    SW_PROBE_IDENTITY SW_SWIFT(identity),    /* becoming as_id */
    SW_PROBE_UNSHARE SW_SWIFT(unshare),
    SW_PROBE_SETGROUPS SW_SWIFT(setgroups),
    SW_PROBE_UID_MAP SW_SWIFT(uidMap),
    SW_PROBE_GID_MAP SW_SWIFT(gidMap),
    SW_PROBE_INNER SW_SWIFT(inner),          /* inner_flags, unshared inside the new user namespace */
};
/*
 * In a child that exits at once: with as_id >= 0, first that UID and GID and
 * no groups (a privileged caller asking for an unprivileged user), then
 * unshare(flags), then (uid_map non-NULL) its own maps written as -r writes
 * them, then unshare(inner_flags). 0, the errno of the first refusal with
 * *stage saying where, or -1 with errno when the child could not be made.
 */
int sw_probe_namespaces(int64_t as_id, int flags, const char *_Nullable uid_map, const char *_Nullable gid_map, int inner_flags,
                        enum sw_probe_stage *stage);
/* 1 when the file carries capabilities (the security.capability attribute), as newuidmap may instead of set-user-ID. */
int sw_has_file_capabilities(const char *path);
/* Landlock's ABI version, or -1 with errno (EOPNOTSUPP: disabled at boot; ENOSYS: not built). */
int sw_probe_landlock_abi(void);

/* Ends the launcher by `sig`, as the program ended, without a core dump. */
_Noreturn void sw_die_by_signal(int sig);

#pragma clang assume_nonnull end

#endif
