import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// The settings of this host and process that decide whether swclone may
/// create namespaces and use clone3, as read (by CloneCore after a failure,
/// by `swclone --check`). Why a launch failed, and the fix, is decided here
/// from these values alone, so each cause is unit-tested, also those this
/// machine cannot produce (Debian's and Ubuntu's sysctls).
public struct HostSettings: Equatable, Sendable {
    /// Debian's kernel.unprivileged_userns_clone; nil where the kernel has none.
    public var unprivilegedUsernsClone: Int?
    /// Ubuntu's kernel.apparmor_restrict_unprivileged_userns; nil where there is none.
    public var apparmorRestrictsUserns: Int?
    /// user.max_<kind>_namespaces as swclone's user namespace sees them.
    public var maxNamespaces: [Namespace: Int]
    /// CAP_SYS_ADMIN is in swclone's effective set.
    public var privileged: Bool
    /// A seccomp filter is on swclone ("Seccomp: 2" in /proc/self/status).
    public var seccompFiltered: Bool
    /// swclone's effective UID and GID have a mapping in its user namespace (a new one needs that).
    public var idsMapped: Bool
    /// The running kernel's version, from uname.
    public var kernel: KernelVersion?
    /// swclone's own path, for an AppArmor profile that names it.
    public var executable: String

    public init(
        unprivilegedUsernsClone: Int? = nil, apparmorRestrictsUserns: Int? = nil, maxNamespaces: [Namespace: Int] = [:],
        privileged: Bool, seccompFiltered: Bool = false, idsMapped: Bool = true, kernel: KernelVersion? = nil,
        executable: String = "/usr/local/bin/swclone"
    ) {
        self.unprivilegedUsernsClone = unprivilegedUsernsClone
        self.apparmorRestrictsUserns = apparmorRestrictsUserns
        self.maxNamespaces = maxNamespaces
        self.privileged = privileged
        self.seccompFiltered = seccompFiltered
        self.idsMapped = idsMapped
        self.kernel = kernel
        self.executable = executable
    }
}

/// A kernel release's first two numbers ("6.18.0-1-amd64" is 6.18).
public struct KernelVersion: Equatable, Comparable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    public init?(release: String) {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        self.init(parts[0], parts[1])
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    public var description: String { "\(major).\(minor)" }
}

extension HostSettings {
    /// Why creating `namespaces` failed with `err`, and the fix; nil when
    /// nothing read explains it (the system's message then stands alone).
    public func namespaceCreationCause(_ err: Int32, namespaces: Set<Namespace>) -> String? {
        switch err {
        case EPERM:
            if !namespaces.contains(.user) && !privileged {
                return "new namespaces need CAP_SYS_ADMIN unless a new user namespace owns them: "
                    + "as an unprivileged user add -r (--map-root-user) or -U (--user)"
            }
            if namespaces.contains(.user) && !idsMapped {
                return "swclone's user or group ID has no mapping in its own user namespace, and the kernel gives a new one "
                    + "only to a mapped user: map it where the outer namespace is made (-r, -c or --map-user)"
            }
            if namespaces.contains(.user) && !privileged {
                if unprivilegedUsernsClone == 0 {
                    return "kernel.unprivileged_userns_clone is 0, so this kernel gives no user namespace to an unprivileged "
                        + "user (as root: sysctl -w kernel.unprivileged_userns_clone=1, and in /etc/sysctl.d to keep it)"
                }
                if apparmorRestrictsUserns == 1 { return apparmorCause }
            }
            if seccompFiltered {
                return "a seccomp filter is on swclone (Seccomp: 2 in /proc/self/status) and may refuse new namespaces, "
                    + "as a container's default profile does: run the container with a profile that allows them"
            }
            return nil
        case ENOSPC:
            let ordered = namespaces.sorted()
            if let off = ordered.first(where: { maxNamespaces[$0] == 0 }) {
                let name = "user.max_\(off.procName)_namespaces"
                return "\(name) is 0 in this user namespace, so no \(off.rawValue) namespace may be created "
                    + "(as root there: sysctl -w \(name)=N)"
            }
            let limits = ordered.compactMap { ns in maxNamespaces[ns].map { "user.max_\(ns.procName)_namespaces is \($0)" } }
            let counted = limits.isEmpty ? "" : " (\(limits.joined(separator: ", ")))"
            return "a limit on namespaces is reached: the count allowed per user\(counted) in this user namespace or one "
                + "above it, or the 32 levels user and PID namespaces may be nested"
        default:
            return nil
        }
    }

    /// Why a step in a new user namespace made by an unprivileged caller
    /// failed with `err` (writing its maps, mounting...), when that is
    /// Ubuntu's AppArmor restriction: the namespace exists but grants nothing.
    public func userNamespaceStepCause(_ err: Int32) -> String? {
        guard err == EPERM || err == EACCES, !privileged, apparmorRestrictsUserns == 1 else { return nil }
        return apparmorCause
    }

    var apparmorCause: String {
        "kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu), so AppArmor gives a program without a profile that "
            + "allows it no capabilities in a new user namespace: allow swclone with one (/etc/apparmor.d/swclone: "
            + "'abi <abi/4.0>, include <tunables/global> profile swclone \(executable) flags=(unconfined) { userns, }', "
            + "then apparmor_parser -r /etc/apparmor.d/swclone) or, for every program, "
            + "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
    }

    /// Why clone3 is refused with `err` (from `sw_clone3_refusal`), and the fix.
    public func clone3RefusalCause(_ err: Int32) -> String {
        "\(clone3RefusalReason(err)): \(clone3Fix)"
    }

    public func clone3RefusalReason(_ err: Int32) -> String {
        if let kernel, kernel < KernelVersion(5, 3) { return "this kernel (\(kernel)) has no clone3 (Linux 5.3 added it)" }
        if seccompFiltered {
            return "a seccomp filter refuses it (Seccomp: 2 in /proc/self/status), as container profiles written before clone3 do"
        }
        return "the kernel or a security module refuses it"
    }

    public var clone3Fix: String {
        if let kernel, kernel < KernelVersion(5, 3) { return "run Linux 5.3 or later" }
        return "allow clone3 in the seccomp profile swclone runs under (the container's)"
    }

    /// Whether a mount of proc refused with `err` needs a new PID namespace:
    /// in a user namespace, proc is mounted only for a PID namespace it owns.
    public static func procNeedsPIDNamespace(_ err: Int32, spec: LaunchSpec) -> Bool {
        err == EPERM && !spec.namespaces.contains(.pid)
            && (spec.namespaces.contains(.user) || spec.join?.fromTarget.contains(.user) == true
                || spec.join?.files[.user] != nil)
    }
}
