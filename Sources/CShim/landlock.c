/*
 * --landlock: the view's grants enforced again by the kernel's Landlock LSM
 * (landlock(7)), or alone where no mount is possible. The parent made the
 * rules for the ABI the kernel offers; the child opens each granted path in
 * the final root, adds it, and restricts itself (and so the program).
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define LANDLOCK_CREATE_RULESET_VERSION_ 1
#define LANDLOCK_RULE_PATH_BENEATH_ 1

/* The rights that apply to a file, not a directory: execute, write, read, truncate, ioctl on devices. */
static const uint64_t file_rights = (1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15);

struct ruleset_attr_ {
    uint64_t handled_access_fs;
};
struct path_beneath_attr_ {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int sw_landlock_abi(void) {
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION_);
}

struct sw_failure sw_op_landlock(const struct sw_landlock *l) {
    struct ruleset_attr_ attr = { l->handled };
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) SW_FAIL(SW_STEP_LANDLOCK);
    int rc = 0;
    for (int i = 0; i < l->rule_count && rc == 0; i++) {
        int fd = open(l->rules[i].path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            /* A grant whose source was missing (--bind-try) grants nothing. */
            if (errno == ENOENT) continue;
            rc = -1;
            break;
        }
        struct stat st;
        struct path_beneath_attr_ rule = { l->rules[i].access, fd };
        if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rule.allowed_access &= file_rights;
        rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH_, &rule, 0);
        int saved = errno;
        close(fd);
        errno = saved;
    }
    /* Landlock wants no_new_privs from a process without CAP_SYS_ADMIN: set it in any case. */
    if (rc == 0) rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (rc == 0) rc = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    int saved = errno;
    close(ruleset);
    errno = saved;
    if (rc != 0) SW_FAIL(SW_STEP_LANDLOCK);
    return sw_ok;
}
