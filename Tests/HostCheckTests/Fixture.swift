import Glibc
import HostCheck
import LaunchPlan
import LaunchSpec

/// Observations of hosts, as HostObserver would read them.
enum HostObservationsFixture {
    /// A pure cgroup v2 host where everything works, seen by root.
    static func typicalRoot() -> HostObservations {
        var namespaces: [Namespace: NamespaceProbe] = [:]
        for ns in Namespace.allCases { namespaces[ns] = NamespaceProbe(direct: .ok) }
        var max: [Namespace: Int] = [:]
        for ns in Namespace.allCases { max[ns] = 63_432 }
        return HostObservations(
            uid: 0, gid: 0, userName: "root", kernelRelease: "6.12.0-1-amd64",
            settings: HostSettings(maxNamespaces: max, privileged: true, kernel: KernelVersion(6, 12)),
            namespaces: namespaces, unprivilegedUserNamespace: .ok, unprivilegedUID: 65534,
            subordinateIDs: SubordinateIDs(
                subuid: .success(SubordinateBlock(start: 100_000, count: 65536)),
                subgid: .success(SubordinateBlock(start: 100_000, count: 65536)),
                newuidmap: HelperProgram(path: "/usr/bin/newuidmap", privileged: true),
                newgidmap: HelperProgram(path: "/usr/bin/newgidmap", privileged: true)),
            clone3Refusal: 0,
            cgroup: CgroupObservation(
                mountPoint: "/sys/fs/cgroup", cgroup: "/user.slice/user-0.slice/session-1.scope",
                directory: "/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope", writable: true,
                controllers: ["cpu", "memory", "pids"], subtreeControl: [], v1Controllers: []),
            landlock: .success(6), seccomp: SeccompObservation(actions: ["kill_process", "errno", "allow"], mode: 0, filters: 0))
    }
}
