/*
 * --seccomp-default: swclone's own filter, built with libseccomp by the parent
 * before the child exists (the child may not allocate), and handed to the
 * child as a classic-BPF program like those of --seccomp. Every other system
 * call is allowed: it refuses (EPERM) only what a build or test step never
 * needs. The manual's SECCOMP section lists it and says why.
 */
#define _GNU_SOURCE
#include "swclone_shim.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <unistd.h>

#if SCMP_VER_MAJOR < 2 || (SCMP_VER_MAJOR == 2 && (SCMP_VER_MINOR < 5 || (SCMP_VER_MINOR == 5 && SCMP_VER_MICRO < 2)))
#error "--seccomp-default needs libseccomp 2.5.2 or later, whose tables know mount_setattr"
#endif

/* Refused whatever their arguments. */
static const int refused[] = {
    /* The kernel's keyrings: the user's, shared with every process of the user outside. */
    SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
    /* Kernel interfaces a build never uses and kernel exploits often do. */
    SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),
    /* Kernel modules, and starting another kernel. */
    SCMP_SYS(init_module), SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    /* Mounts: the filter comes after the view is built, and the view stays as built (its read-only
     * binds too, which root in a user namespace could otherwise make writable again). */
    SCMP_SYS(mount), SCMP_SYS(umount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(fsopen),
    SCMP_SYS(fsconfig), SCMP_SYS(fsmount), SCMP_SYS(fspick), SCMP_SYS(move_mount), SCMP_SYS(open_tree),
    SCMP_SYS(mount_setattr),
};

/*
 * In the caller's PID namespace, a PID may name any process of the user's outside: the calls that
 * take hold of a running process by its PID, with ptrace's access check, are refused. (A filter sees
 * a number, not whose process it is; in a PID namespace of the sandbox's own every PID is inside.)
 */
static const int reaching_out[] = { SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(pidfd_getfd) };
static const long attach_requests[] = { PTRACE_ATTACH, PTRACE_SEIZE };

/*
 * Pushing input into a terminal (TIOCSTI), and the Linux console's commands (TIOCLINUX). The kernel
 * takes the request as 32 bits, so the filter compares the low 32: the same request with the upper
 * bits set must not pass (bubblewrap's CVE-2017-5226, flatpak's CVE-2019-10063).
 */
static const unsigned long refused_ioctls[] = { TIOCSTI, TIOCLINUX };

/* The ABIs a process of this architecture can make system calls in: each gets the same rules. */
static int add_architectures(scmp_filter_ctx ctx) {
    static const uint32_t compat[] = {
#if defined(__x86_64__)
        SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
        SCMP_ARCH_ARM,
#endif
        0,
    };
    for (int i = 0; compat[i]; i++) {
        int rc = seccomp_arch_add(ctx, compat[i]);
        if (rc != 0 && rc != -EEXIST) return rc;
    }
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, bool refuse_attach) {
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    int rc = add_architectures(ctx);
    for (size_t i = 0; rc == 0 && i < sizeof refused / sizeof *refused; i++)
        rc = seccomp_rule_add(ctx, eperm, refused[i], 0);
    for (size_t i = 0; rc == 0 && i < sizeof refused_ioctls / sizeof *refused_ioctls; i++)
        rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, refused_ioctls[i]));
    if (!refuse_attach) return rc;
    for (size_t i = 0; rc == 0 && i < sizeof attach_requests / sizeof *attach_requests; i++)
        rc = seccomp_rule_add(ctx, eperm, SCMP_SYS(ptrace), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)attach_requests[i]));
    for (size_t i = 0; rc == 0 && i < sizeof reaching_out / sizeof *reaching_out; i++)
        rc = seccomp_rule_add(ctx, eperm, reaching_out[i], 0);
    return rc;
}

/*
 * System calls newer than the libseccomp swclone is built with, refused by number ahead of its
 * program. Since Linux 5.1 a new system call has one number on every architecture (x32's with
 * its ABI bit). open_tree_attr (Linux 6.15) clones a mount tree with its attributes changed: root
 * in a user namespace could clone a read-only grant without MOUNT_ATTR_RDONLY and write through it.
 */
#define SW_NR_OPEN_TREE_ATTR 467
#define SW_X32_SYSCALL_BIT 0x40000000u
static const struct sock_filter newer_refused[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SW_NR_OPEN_TREE_ATTR, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SW_X32_SYSCALL_BIT | SW_NR_OPEN_TREE_ATTR, 1, 0),
    BPF_STMT(BPF_JMP | BPF_JA, 1), /* on to libseccomp's program, which loads what it needs itself */
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
};

/* seccomp_export_bpf writes to a descriptor (libseccomp 2.6's export to memory is too new): a memfd,
 * read back after the newer_refused prefix. */
static int export_program(scmp_filter_ctx ctx, void **program, size_t *length) {
    int fd = memfd_create("swclone-seccomp", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = seccomp_export_bpf(ctx, fd);
    struct stat st;
    if (rc == 0 && fstat(fd, &st) != 0) rc = -errno;
    char *bytes = NULL;
    if (rc == 0 && !(bytes = malloc(sizeof newer_refused + (size_t)st.st_size + 1))) rc = -ENOMEM;
    if (rc == 0) memcpy(bytes, newer_refused, sizeof newer_refused);
    size_t done = 0;
    while (rc == 0 && done < (size_t)st.st_size) {
        ssize_t n = pread(fd, bytes + sizeof newer_refused + done, (size_t)st.st_size - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) rc = n < 0 ? -errno : -EIO;
        else done += (size_t)n;
    }
    close(fd);
    if (rc != 0) {
        free(bytes);
        return rc;
    }
    *program = bytes;
    *length = sizeof newer_refused + done;
    return 0;
}

int sw_default_seccomp_program(bool refuse_attach, void **program, size_t *length) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        errno = ENOMEM;
        return -1;
    }
    int rc = add_rules(ctx, refuse_attach);
    if (rc == 0) rc = export_program(ctx, program, length);
    seccomp_release(ctx);
    if (rc == 0) return 0;
    errno = -rc;
    return -1;
}
