/*
 * The child's capability step: the masks the parent computed with libcap
 * (struct sw_caps) applied with raw system calls, then read back. libcap's own set calls lock its cap_t and
 * cap_iab_set_proc allocates (cap_get_proc), neither of which a clone3 child
 * may do; capset and prctl are plain system calls.
 */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct cap_sets {
    uint64_t permitted, effective, inheritable;
};

static int get_sets(struct cap_sets *s) {
    struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    if (syscall(SYS_capget, &head, data) != 0) return -1;
    s->permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
    s->effective = (uint64_t)data[1].effective << 32 | data[0].effective;
    s->inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
    return 0;
}

static int set_sets(const struct cap_sets *s) {
    struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
        { (uint32_t)s->effective, (uint32_t)s->permitted, (uint32_t)s->inheritable },
        { (uint32_t)(s->effective >> 32), (uint32_t)(s->permitted >> 32), (uint32_t)(s->inheritable >> 32) },
    };
    return (int)syscall(SYS_capset, &head, data);
}

/*
 * After the identity change. The order matters: effective is restored first
 * (a change away from UID 0 cleared it) so CAP_SETPCAP can shrink the bounding
 * set; capset then lowers permitted and effective and sets inheritable, which
 * ambient needs; ambient is raised last.
 */
struct sw_failure sw_op_capabilities(const struct sw_caps *c) {
    struct cap_sets now;
    if (get_sets(&now) != 0) SW_FAIL(SW_STEP_CAP_SETS);
    now.effective = now.permitted;
    now.inheritable = 0;
    if (set_sets(&now) != 0) SW_FAIL(SW_STEP_CAP_SETS);

    for (int cap = 0; cap < 64; cap++) {
        uint64_t bit = 1ULL << cap;
        if (!(c->known & bit) || (c->kept & bit)) continue;
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            SW_FAIL(SW_STEP_CAP_BOUNDING);
    }

    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) SW_FAIL(SW_STEP_CAP_AMBIENT);
    struct cap_sets want = { c->kept, c->kept, c->inheritable };
    if (set_sets(&want) != 0) SW_FAIL(SW_STEP_CAP_SETS);

    /* UID 0 gets permitted from the bounding set at exec; anyone else keeps only ambient. */
    uint64_t ambient = geteuid() != 0 ? c->inheritable : 0;
    for (int cap = 0; cap < 64; cap++) {
        if ((ambient & 1ULL << cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            SW_FAIL(SW_STEP_CAP_AMBIENT);
    }

    /* Fail closed: what the kernel now holds is what was asked, or nothing runs. */
    struct cap_sets got;
    if (get_sets(&got) != 0) SW_FAIL(SW_STEP_CAP_CHECK);
    int differs = got.permitted != want.permitted || got.effective != want.effective
        || got.inheritable != want.inheritable;
    /* The kernel keeps ambient within permitted and inheritable: outside both, it is not asked. */
    uint64_t may_be_ambient = got.permitted & got.inheritable;
    for (int cap = 0; cap < 64 && !differs; cap++) {
        uint64_t bit = 1ULL << cap;
        if (!(c->known & bit)) continue;
        differs = prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != !!(c->kept & bit)
            || ((may_be_ambient & bit) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) != !!(ambient & bit));
    }
    if (differs) {
        errno = EPERM;
        SW_FAIL(SW_STEP_CAP_CHECK);
    }
    return sw_ok;
}

int sw_capabilities(uint64_t *effective, uint64_t *permitted) {
    struct cap_sets s;
    if (get_sets(&s) != 0) return -1;
    *effective = s.effective;
    *permitted = s.permitted;
    return 0;
}

/* Started set-user-ID, set-group-ID or with file capabilities (AT_SECURE). */
int sw_secure_exec(void) {
    return getauxval(AT_SECURE) != 0;
}
