/*
 * The filesystem view: bubblewrap's options, as ordered set-up operations.
 * A tmpfs is mounted over a directory of the old root and entered with
 * pivot_root; in it, "newroot" becomes the program's root and "oldroot" holds
 * the old one, from which binds take their sources, until the last operation
 * detaches it. Unlike bubblewrap, every destination is resolved inside the new
 * root (openat2 RESOLVE_IN_ROOT), so no link, planted or made by an earlier
 * operation, can lead a mkdir or a mount out of it; mounts are made with the
 * new mount API, and read-only means the mount and every mount below it,
 * atomically (mount_setattr AT_RECURSIVE on the detached copy, before it is
 * attached). System calls only, as everywhere in the child.
 */
#define _GNU_SOURCE
#include "child.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_pivot_root
#define SYS_pivot_root 155
#endif

/* linux/mount.h and linux/openat2.h, which do not mix with glibc's sys/mount.h. */
#define OPEN_TREE_CLONE_ 1
#define OPEN_TREE_CLOEXEC_ O_CLOEXEC
#define AT_RECURSIVE_ 0x8000
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x4
#define MOVE_MOUNT_T_EMPTY_PATH_ 0x40
#define FSOPEN_CLOEXEC_ 1
#define FSMOUNT_CLOEXEC_ 1
#define FSCONFIG_SET_FLAG_ 0
#define FSCONFIG_SET_STRING_ 1
#define FSCONFIG_CMD_CREATE_ 6
#define RESOLVE_IN_ROOT_ 0x10

struct mount_attr_ {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};
struct open_how_ {
    uint64_t flags, mode, resolve;
};

#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"

/* The new root as it is now: a bind over it (--bind / /) covers what an older descriptor sees. */
static int open_new_root(void) {
    return open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* `rel` inside the root `root` ("" is the root itself), links resolved as if root were "/". */
static int open_in_root(int root, const char *rel, int flags, unsigned mode) {
    struct open_how_ how = { (uint64_t)(flags | O_CLOEXEC), mode, RESOLVE_IN_ROOT_ };
    return (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
}

/*
 * The directory that will hold `rel`'s last component, every missing parent
 * made with `parent_mode`: its descriptor, and the last component in *name.
 * Each prefix is resolved from the root again, so a link among the parents
 * stays inside the root. `rel` has no "..", no empty component (the plan's).
 */
static int open_parent(int root, const char *rel, unsigned parent_mode, const char **name) {
    char path[PATH_MAX];
    size_t len = strlen(rel);
    if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, rel, len + 1);
    char *slash = strrchr(path, '/');
    *name = slash ? rel + (slash - path) + 1 : rel;
    if (!slash) return fcntl(root, F_DUPFD_CLOEXEC, 0);
    *slash = '\0';
    int parent = -1;
    for (char *p = path;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        int fd = open_in_root(root, path, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT) {
            const char *component = strrchr(path, '/');
            component = component ? component + 1 : path;
            int base = parent >= 0 ? parent : root;
            if (mkdirat(base, component, parent_mode) != 0 && errno != EEXIST) {
                if (parent >= 0) close(parent);
                return -1;
            }
            fd = open_in_root(root, path, O_PATH | O_DIRECTORY, 0);
        }
        if (parent >= 0) close(parent);
        if (fd < 0) return -1;
        parent = fd;
        *p = saved;
        if (saved == '\0') break;
    }
    return parent;
}

/* A directory at `rel` (made with `mode` if missing), opened O_PATH. */
static int ensure_dir(int root, const char *rel, unsigned mode, unsigned parent_mode) {
    if (*rel) {
        const char *name;
        int parent = open_parent(root, rel, parent_mode, &name);
        if (parent < 0) return -1;
        int rc = mkdirat(parent, name, mode);
        int saved = errno;
        close(parent);
        if (rc != 0 && saved != EEXIST) {
            errno = saved;
            return -1;
        }
    }
    return open_in_root(root, rel, O_PATH | O_DIRECTORY, 0);
}

/* A file at `rel` to mount on (made empty with `mode` if missing), opened O_PATH. */
static int ensure_file(int root, const char *rel, unsigned mode, unsigned parent_mode) {
    const char *name;
    int parent = open_parent(root, rel, parent_mode, &name);
    if (parent < 0) return -1;
    close(parent);
    int fd = open_in_root(root, rel, O_PATH, 0);
    if (fd >= 0 || errno != ENOENT) return fd;
    fd = open_in_root(root, rel, O_CREAT | O_WRONLY | O_EXCL, mode);
    if (fd < 0) return -1;
    close(fd);
    return open_in_root(root, rel, O_PATH, 0);
}

static int set_attributes(int tree, uint64_t attributes) {
    struct mount_attr_ attr = { attributes, 0, 0, 0 };
    return (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE_, &attr, sizeof attr);
}

static int attach(int tree, int dest) {
    return (int)syscall(SYS_move_mount, tree, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH_ | MOVE_MOUNT_T_EMPTY_PATH_);
}

/* A recursive copy of the mounts at `source`, with `attributes` on all of them, attached on `dest`. */
static struct sw_failure bind_tree(const char *source, int dest, uint64_t attributes) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE_ | OPEN_TREE_CLOEXEC_ | AT_RECURSIVE_);
    if (tree < 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    if (attributes && set_attributes(tree, attributes) != 0) {
        int saved = errno;
        close(tree);
        errno = saved;
        SW_FAIL(SW_STEP_VIEW_READ_ONLY);
    }
    int rc = attach(tree, dest);
    int saved = errno;
    close(tree);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    return sw_ok;
}

static uint64_t bind_attributes(unsigned long flags) {
    return SW_MOUNT_ATTR_NOSUID | (flags & SW_VIEW_DEVICES ? 0 : SW_MOUNT_ATTR_NODEV)
        | (flags & SW_VIEW_READ_ONLY ? SW_MOUNT_ATTR_RDONLY : 0);
}

/* The child's own memory (or, sharing swclone's until exec, a number swclone never reads). */
static int proc_self = -1;

int sw_view_proc_self(void) {
    return proc_self;
}

static struct sw_failure begin(const struct sw_op *op) {
    /* Kept for what needs this process's /proc files once the new root may have none (--disable-userns). */
    proc_self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* bubblewrap's choices: / a slave (nothing goes out), a fresh tmpfs to build on, umask 0 so modes are exact. */
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) != 0) SW_FAIL(SW_STEP_VIEW_ROOT);
    if (mount("tmpfs", op->path, "tmpfs", MS_NODEV | MS_NOSUID, "mode=0755") != 0) SW_FAIL(SW_STEP_VIEW_ROOT);
    if (chdir(op->path) != 0 || mkdir("newroot", 0755) != 0
        || mount("newroot", "newroot", NULL, MS_BIND | MS_REC, NULL) != 0 || mkdir("oldroot", 0755) != 0
        || syscall(SYS_pivot_root, ".", "oldroot") != 0 || chdir("/") != 0)
        SW_FAIL(SW_STEP_VIEW_ROOT);
    umask(0);
    return sw_ok;
}

static struct sw_failure finish(const struct sw_op *op) {
    /* Private first, or the detach would be sent to the caller's namespace. */
    if (mount(NULL, OLDROOT, NULL, MS_REC | MS_PRIVATE, NULL) != 0 || umount2(OLDROOT, MNT_DETACH) != 0)
        SW_FAIL(SW_STEP_VIEW_ROOT);
    int scratch = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (scratch < 0) SW_FAIL(SW_STEP_VIEW_ROOT);
    /* pivot_root(".", ".") stacks the scratch root over the new one; detaching "." then leaves the new root. */
    int rc = chdir(NEWROOT) == 0 && syscall(SYS_pivot_root, ".", ".") == 0 && fchdir(scratch) == 0
        && umount2(".", MNT_DETACH) == 0 && chdir("/") == 0 ? 0 : -1;
    int saved = errno;
    close(scratch);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_ROOT);
    umask((mode_t)op->mode);
    return sw_ok;
}

/* Writes a small decimal into buf (no stdio in the child); returns the end. */
static char *put_number(char *buf, int n) {
    char digits[12];
    int len = 0;
    do digits[len++] = (char)('0' + n % 10); while ((n /= 10) > 0);
    while (len) *buf++ = digits[--len];
    *buf = '\0';
    return buf;
}

/* "/oldroot/proc/self/fd/N": the opened file itself, for calls that take only a path. */
static void fd_path(char buf[64], int fd) {
    const char prefix[] = OLDROOT "/proc/self/fd/";
    memcpy(buf, prefix, sizeof prefix - 1);
    put_number(buf + sizeof prefix - 1, fd);
}

static struct sw_failure bind(const struct sw_op *op, int root) {
    struct stat st;
    if (stat(op->path, &st) != 0) {
        if (errno == ENOENT && (op->flags & SW_VIEW_OPTIONAL)) return sw_ok;
        SW_FAIL(SW_STEP_VIEW_SOURCE);
    }
    int dest = S_ISDIR(st.st_mode) ? ensure_dir(root, op->dest, 0755, op->parent_mode) : ensure_file(root, op->dest, 0444, op->parent_mode);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    struct sw_failure f = bind_tree(op->path, dest, bind_attributes(op->flags));
    close(dest);
    if (f.step != SW_STEP_NONE || op->fd < 0) return f;
    /* --bind-fd: the path was the descriptor's when swclone resolved it; the file bound must still be it. */
    struct stat fd_st, bound;
    int bound_fd = open_in_root(root, op->dest, O_PATH, 0);
    int same = bound_fd >= 0 && fstat(op->fd, &fd_st) == 0 && fstat(bound_fd, &bound) == 0
        && fd_st.st_dev == bound.st_dev && fd_st.st_ino == bound.st_ino;
    if (bound_fd >= 0) close(bound_fd);
    if (!same) {
        errno = ESTALE;
        SW_FAIL(SW_STEP_VIEW_SOURCE);
    }
    return sw_ok;
}

static struct sw_failure remount_read_only(const struct sw_op *op, int root) {
    int dest = open_in_root(root, op->dest, O_PATH, 0);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    int rc = set_attributes(dest, SW_MOUNT_ATTR_RDONLY);
    int saved = errno;
    close(dest);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_READ_ONLY);
    return sw_ok;
}

/* A new filesystem of `type` (fsopen, fsconfig, fsmount) attached on `dest`. */
static struct sw_failure new_filesystem(const char *type, const char *const *config, uint64_t attributes, int dest) {
    int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC_);
    if (fs < 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    int rc = 0;
    for (const char *const *kv = config; kv && kv[0] && rc == 0; kv += 2) {
        rc = (int)syscall(SYS_fsconfig, fs, kv[1] ? FSCONFIG_SET_STRING_ : FSCONFIG_SET_FLAG_, kv[0], kv[1], 0);
    }
    if (rc == 0) rc = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE_, NULL, NULL, 0);
    int mnt = rc == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC_, attributes) : -1;
    int saved = errno;
    close(fs);
    if (mnt < 0) {
        errno = saved;
        SW_FAIL(SW_STEP_VIEW_MOUNT);
    }
    rc = attach(mnt, dest);
    saved = errno;
    close(mnt);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    return sw_ok;
}

static struct sw_failure filesystem(const struct sw_op *op, int root) {
    /* --tmp-overlay: its upper and work directories go on the scratch root, which vanishes with the program. */
    for (const char *const *kv = op->config; (op->flags & SW_VIEW_SCRATCH_DIRS) && kv && kv[0]; kv += 2) {
        if ((strcmp(kv[0], "upperdir") == 0 || strcmp(kv[0], "workdir") == 0) && mkdir(kv[1], 0755) != 0)
            SW_FAIL(SW_STEP_VIEW_CREATE);
    }
    int dest = ensure_dir(root, op->dest, 0755, op->parent_mode);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    struct sw_failure f = new_filesystem(op->text, op->config, op->attributes, dest);
    close(dest);
    return f;
}

/*
 * /proc: a new one (or, sharing the PID namespace, the old root's), and as
 * bubblewrap, the few old interfaces that could reach the host covered
 * read-only where they are writable.
 */
static struct sw_failure proc(const struct sw_op *op, int root) {
    int dest = ensure_dir(root, op->dest, 0755, op->parent_mode);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    struct sw_failure f = op->flags & SW_VIEW_NEW
        ? new_filesystem("proc", NULL, SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NODEV | SW_MOUNT_ATTR_NOEXEC, dest)
        : bind_tree(OLDROOT "/proc", dest, SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NODEV);
    close(dest);
    if (f.step != SW_STEP_NONE) return f;
    int proc_root = open_in_root(root, op->dest, O_PATH | O_DIRECTORY, 0);
    if (proc_root < 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    static const char *const covered[] = { "sys", "sysrq-trigger", "irq", "bus" };
    for (size_t i = 0; i < sizeof covered / sizeof covered[0] && f.step == SW_STEP_NONE; i++) {
        int item = openat(proc_root, covered[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (item < 0) continue;
        if (syscall(SYS_faccessat2, item, "", W_OK, AT_EMPTY_PATH) == 0) {
            int tree = (int)syscall(SYS_open_tree, item, "", OPEN_TREE_CLONE_ | OPEN_TREE_CLOEXEC_ | AT_RECURSIVE_ | AT_EMPTY_PATH);
            if (tree < 0 || set_attributes(tree, SW_MOUNT_ATTR_RDONLY) != 0 || attach(tree, item) != 0) {
                int saved = errno;
                if (tree >= 0) close(tree);
                errno = saved;
                f = (struct sw_failure){ SW_STEP_VIEW_READ_ONLY, errno, 0 };
            } else {
                close(tree);
            }
        }
        close(item);
    }
    close(proc_root);
    return f;
}

/* One of the host's device files, bound on an empty file `name` of the new /dev. */
static int bind_device(int dev, const char *name, const char *source) {
    int file = openat(dev, name, O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0444);
    if (file < 0) return -1;
    close(file);
    int dest = openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE_ | OPEN_TREE_CLOEXEC_);
    int rc = dest >= 0 && tree >= 0 ? attach(tree, dest) : -1;
    int saved = errno;
    if (dest >= 0) close(dest);
    if (tree >= 0) close(tree);
    errno = saved;
    return rc;
}

/*
 * bubblewrap's minimal /dev: a tmpfs with the host's null, zero, full,
 * random, urandom and tty, the fd and stdio links, shm, a private devpts with
 * its ptmx, and the terminal as console when there is one.
 */
static struct sw_failure dev(const struct sw_op *op, int root) {
    int dest = ensure_dir(root, op->dest, 0755, op->parent_mode);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    static const char *const mode[] = { "mode", "0755", NULL };
    struct sw_failure f = new_filesystem("tmpfs", mode, SW_MOUNT_ATTR_NOSUID, dest);
    close(dest);
    if (f.step != SW_STEP_NONE) return f;
    int d = open_in_root(root, op->dest, O_PATH | O_DIRECTORY, 0);
    if (d < 0) SW_FAIL(SW_STEP_VIEW_MOUNT);
    static const char *const nodes[][2] = {
        { "null", OLDROOT "/dev/null" }, { "zero", OLDROOT "/dev/zero" }, { "full", OLDROOT "/dev/full" },
        { "random", OLDROOT "/dev/random" }, { "urandom", OLDROOT "/dev/urandom" }, { "tty", OLDROOT "/dev/tty" },
    };
    static const char *const links[][2] = {
        { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
        { "fd", "/proc/self/fd" }, { "core", "/proc/kcore" }, { "ptmx", "pts/ptmx" },
    };
    static const char *const devpts[] = { "ptmxmode", "0666", "mode", "620", NULL };
    enum sw_step step = SW_STEP_VIEW_MOUNT;
    int rc = 0;
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0] && rc == 0; i++) rc = bind_device(d, nodes[i][0], nodes[i][1]);
    if (rc == 0) {
        step = SW_STEP_VIEW_CREATE;
        for (size_t i = 0; i < sizeof links / sizeof links[0] && rc == 0; i++) rc = symlinkat(links[i][1], d, links[i][0]);
        if (rc == 0) rc = mkdirat(d, "shm", 0755);
        if (rc == 0) rc = mkdirat(d, "pts", 0755);
    }
    if (rc == 0) {
        int pts = openat(d, "pts", O_PATH | O_DIRECTORY | O_CLOEXEC);
        f = pts < 0 ? (struct sw_failure){ SW_STEP_VIEW_MOUNT, errno, 0 }
                    : new_filesystem("devpts", devpts, SW_MOUNT_ATTR_NOSUID | SW_MOUNT_ATTR_NOEXEC, pts);
        if (pts >= 0) close(pts);
        step = SW_STEP_VIEW_MOUNT;
        if (f.step == SW_STEP_NONE && op->path) rc = bind_device(d, "console", op->path);
    }
    int saved = errno;
    close(d);
    errno = saved;
    if (rc != 0) SW_FAIL(step);
    return f;
}

static struct sw_failure make_dir(const struct sw_op *op, int root) {
    int dir = ensure_dir(root, op->dest, op->mode, op->parent_mode);
    if (dir < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    close(dir);
    return sw_ok;
}

static struct sw_failure symlink_(const struct sw_op *op, int root) {
    const char *name;
    int parent = open_parent(root, op->dest, op->parent_mode, &name);
    if (parent < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    int rc = symlinkat(op->text, parent, name);
    struct sw_failure f = { SW_STEP_VIEW_CREATE, errno, 0 };
    if (rc != 0 && errno == EEXIST) {
        /* As bubblewrap: the same link already there is no failure; another is named in the message. */
        ssize_t n = readlinkat(parent, name, f.detail, sizeof f.detail - 1);
        if (n >= 0) f.detail[n] = 0;
        rc = n >= 0 && strcmp(f.detail, op->text) == 0 ? 0 : -1;
    }
    close(parent);
    return rc == 0 ? sw_ok : f;
}

static struct sw_failure change_mode(const struct sw_op *op, int root) {
    int target = open_in_root(root, op->dest, O_PATH, 0);
    if (target < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    char path[64];
    fd_path(path, target);
    int rc = chmod(path, op->mode);
    int saved = errno;
    close(target);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_WRITE);
    return sw_ok;
}

static int copy_data(int from, int to) {
    char buffer[8192];
    for (;;) {
        ssize_t n = read(from, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return 0;
        if (sw_write_all(to, buffer, (size_t)n) != 0) return -1;
    }
}

/*
 * --file: the descriptor's contents in a new file. --bind-data and
 * --ro-bind-data: in a file of the scratch root (which goes with the old
 * root), bound on the destination.
 */
static struct sw_failure file(const struct sw_op *op, int root) {
    const char *name;
    int parent = open_parent(root, op->dest, op->parent_mode, &name);
    if (parent < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    close(parent);
    char scratch[32] = "/bind-data-";
    put_number(scratch + strlen(scratch), op->fd);
    int out = op->flags & SW_VIEW_BIND ? open(scratch, O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, op->mode)
                                       : open_in_root(root, op->dest, O_CREAT | O_WRONLY | O_TRUNC, op->mode);
    if (out < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    int rc = copy_data(op->fd, out);
    if (rc == 0) rc = fchmod(out, op->mode);
    int saved = errno;
    close(out);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_VIEW_WRITE);
    if (!(op->flags & SW_VIEW_BIND)) return sw_ok;
    int dest = ensure_file(root, op->dest, 0444, op->parent_mode);
    if (dest < 0) SW_FAIL(SW_STEP_VIEW_CREATE);
    struct sw_failure f = bind_tree(scratch, dest, bind_attributes(op->flags));
    close(dest);
    unlink(scratch);
    return f;
}

struct sw_failure sw_op_view(const struct sw_op *op) {
    if (op->kind == SW_OP_VIEW_BEGIN) return begin(op);
    if (op->kind == SW_OP_VIEW_FINISH) return finish(op);
    int root = open_new_root();
    if (root < 0) SW_FAIL(SW_STEP_VIEW_ROOT);
    struct sw_failure f = sw_ok;
    switch (op->kind) {
    case SW_OP_VIEW_BIND: f = bind(op, root); break;
    case SW_OP_VIEW_REMOUNT_RO: f = remount_read_only(op, root); break;
    case SW_OP_VIEW_FS: f = filesystem(op, root); break;
    case SW_OP_VIEW_PROC: f = proc(op, root); break;
    case SW_OP_VIEW_DEV: f = dev(op, root); break;
    case SW_OP_VIEW_DIR: f = make_dir(op, root); break;
    case SW_OP_VIEW_SYMLINK: f = symlink_(op, root); break;
    case SW_OP_VIEW_CHMOD: f = change_mode(op, root); break;
    case SW_OP_VIEW_FILE: f = file(op, root); break;
    default: errno = EINVAL; f = (struct sw_failure){ SW_STEP_VIEW_ROOT, EINVAL, 0 }; break;
    }
    int saved = errno;
    close(root);
    errno = saved;
    return f;
}
