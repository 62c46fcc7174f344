import CShim
import Glibc
import LaunchPlan
import LaunchSpec

extension HostSettings {
    /// This host and process, read from sysctls, /proc/self/status and uname.
    /// Only after a failure, or for --check: a launch reads none of it.
    public static func read() -> HostSettings {
        var effective: UInt64 = 0, permitted: UInt64 = 0
        let privileged = sw_capabilities(&effective, &permitted) == 0 && effective & (1 << 21) != 0
        var maxNamespaces: [Namespace: Int] = [:]
        for ns in Namespace.allCases {
            maxNamespaces[ns] = readSysctl("user/max_\(ns.procName)_namespaces")
        }
        return HostSettings(
            unprivilegedUsernsClone: readSysctl("kernel/unprivileged_userns_clone"),
            apparmorRestrictsUserns: readSysctl("kernel/apparmor_restrict_unprivileged_userns"),
            maxNamespaces: maxNamespaces, privileged: privileged, seccompFiltered: seccompMode() == 2,
            idsMapped: isMapped(geteuid(), "/proc/self/uid_map") && isMapped(getegid(), "/proc/self/gid_map"),
            kernel: kernelRelease().flatMap(KernelVersion.init(release:)), executable: executablePath())
    }

    /// /proc/sys/NAME as a number, or nil where it is missing.
    public static func readSysctl(_ name: String) -> Int? {
        readTextFile("/proc/sys/\(name)").flatMap { Int($0.split(separator: "\n").first ?? "") }
    }

    /// "Seccomp:" of /proc/self/status: 0 none, 1 strict, 2 a filter; nil where it cannot be read.
    public static func seccompMode() -> Int? {
        statusField("Seccomp")
    }

    /// A numeric field of /proc/self/status.
    public static func statusField(_ name: String) -> Int? {
        guard let status = readTextFile("/proc/self/status"),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return nil }
        return Int(line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }

    public static func kernelRelease() -> String? {
        var name = utsname()
        guard uname(&name) == 0 else { return nil }
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Whether `id` is inside a range of the map file (true where it cannot be read: nothing to say).
    static func isMapped(_ id: UInt32, _ path: String) -> Bool {
        guard let text = readTextFile(path) else { return true }
        return text.split(separator: "\n").contains { line in
            let n = line.split(separator: " ").compactMap { UInt64($0) }
            return n.count == 3 && n[0] <= UInt64(id) && UInt64(id) < n[0] + n[2]
        }
    }

    /// swclone's own file, for a profile that names it.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "/usr/local/bin/swclone" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
