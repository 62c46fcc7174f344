import Glibc
import LaunchPlan
import LaunchSpec
import Testing

/// Why namespaces or clone3 are refused, from values as they would be read:
/// each cause the integration tests can produce here, and those only other
/// hosts have (Debian's and Ubuntu's sysctls).
struct HostSettingsTests {
    let unprivileged = HostSettings(maxNamespaces: [.user: 63_432, .net: 63_432], privileged: false)

    @Test func withoutAUserNamespaceAnUnprivilegedUserAddsR() {
        let cause = unprivileged.namespaceCreationCause(EPERM, namespaces: [.mount, .uts])
        #expect(cause?.contains("add -r (--map-root-user) or -U (--user)") == true)
        // A privileged caller refused for another reason gets no such advice.
        #expect(HostSettings(privileged: true).namespaceCreationCause(EPERM, namespaces: [.mount]) == nil)
    }

    @Test func debiansSysctlOff() {
        var s = unprivileged
        s.unprivilegedUsernsClone = 0
        let cause = s.namespaceCreationCause(EPERM, namespaces: [.user, .mount])
        #expect(cause?.hasPrefix("kernel.unprivileged_userns_clone is 0") == true)
        #expect(cause?.contains("sysctl -w kernel.unprivileged_userns_clone=1") == true)
        s.unprivilegedUsernsClone = 1
        #expect(s.namespaceCreationCause(EPERM, namespaces: [.user]) == nil)
    }

    @Test func ubuntusAppArmorRestriction() {
        var s = unprivileged
        s.apparmorRestrictsUserns = 1
        s.executable = "/opt/bin/swclone"
        let cause = s.namespaceCreationCause(EPERM, namespaces: [.user])
        #expect(cause?.hasPrefix("kernel.apparmor_restrict_unprivileged_userns is 1") == true)
        #expect(cause?.contains("profile swclone /opt/bin/swclone flags=(unconfined) { userns, }") == true)
        #expect(cause?.contains("apparmor_parser -r /etc/apparmor.d/swclone") == true)
        // The namespace exists but grants nothing: its maps and mounts are refused.
        #expect(s.userNamespaceStepCause(EPERM) == cause)
        #expect(s.userNamespaceStepCause(EACCES) == cause)
        #expect(s.userNamespaceStepCause(ENOENT) == nil)
        s.apparmorRestrictsUserns = 0
        #expect(s.userNamespaceStepCause(EPERM) == nil)
        s.apparmorRestrictsUserns = 1
        s.privileged = true
        #expect(s.userNamespaceStepCause(EPERM) == nil)
    }

    @Test func anUnmappedUserGetsNoUserNamespace() {
        var s = unprivileged
        s.idsMapped = false
        #expect(s.namespaceCreationCause(EPERM, namespaces: [.user])?.contains("has no mapping in its own user namespace") == true)
    }

    @Test func aSeccompFilter() {
        var s = HostSettings(privileged: true, seccompFiltered: true)
        #expect(s.namespaceCreationCause(EPERM, namespaces: [.user])?.contains("a seccomp filter is on swclone") == true)
        s.seccompFiltered = false
        #expect(s.namespaceCreationCause(EPERM, namespaces: [.user]) == nil)
    }

    @Test func aLimitOfZeroIsNamed() {
        var s = unprivileged
        s.maxNamespaces[.net] = 0
        let cause = s.namespaceCreationCause(ENOSPC, namespaces: [.user, .net])
        #expect(cause?.hasPrefix("user.max_net_namespaces is 0 in this user namespace") == true)
        #expect(cause?.contains("sysctl -w user.max_net_namespaces=N") == true)
    }

    @Test func aReachedLimitOrTheNestingDepth() {
        let cause = unprivileged.namespaceCreationCause(ENOSPC, namespaces: [.user])
        #expect(cause?.contains("user.max_user_namespaces is 63432") == true)
        #expect(cause?.contains("32 levels") == true)
    }

    @Test func otherErrorsHaveNoCause() {
        #expect(unprivileged.namespaceCreationCause(EINVAL, namespaces: [.user]) == nil)
    }

    @Test func clone3Refusals() {
        let old = HostSettings(privileged: true, kernel: KernelVersion(5, 2))
        #expect(old.clone3RefusalCause(ENOSYS) == "this kernel (5.2) has no clone3 (Linux 5.3 added it): run Linux 5.3 or later")
        let filtered = HostSettings(privileged: true, seccompFiltered: true, kernel: KernelVersion(6, 1))
        #expect(filtered.clone3RefusalCause(EPERM).hasPrefix("a seccomp filter refuses it"))
        #expect(filtered.clone3Fix.contains("allow clone3 in the seccomp profile"))
        #expect(HostSettings(privileged: true).clone3RefusalReason(EPERM) == "the kernel or a security module refuses it")
    }

    @Test func kernelReleases() {
        #expect(KernelVersion(release: "6.18.44-fc-v782") == KernelVersion(6, 18))
        #expect(KernelVersion(release: "5.2.0") == KernelVersion(5, 2))
        #expect(KernelVersion(5, 2) < KernelVersion(5, 3) && KernelVersion(5, 10) > KernelVersion(5, 3))
        #expect(KernelVersion(release: "x") == nil)
    }

    @Test func procNeedsAPIDNamespaceInAUserNamespace() {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/bin/true"], environment: nil)
        spec.namespaces = [.user, .mount]
        #expect(HostSettings.procNeedsPIDNamespace(EPERM, spec: spec))
        #expect(!HostSettings.procNeedsPIDNamespace(EACCES, spec: spec))
        spec.namespaces.insert(.pid)
        #expect(!HostSettings.procNeedsPIDNamespace(EPERM, spec: spec))
        spec.namespaces = [.mount]
        #expect(!HostSettings.procNeedsPIDNamespace(EPERM, spec: spec))
    }
}
