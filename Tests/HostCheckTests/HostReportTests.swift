import Foundation
import Glibc
import HostCheck
import LaunchPlan
import LaunchSpec
import Testing

/// `swclone --check`'s report from observations of hosts: what is ok, what
/// is missing and its fix, and the documented JSON layout.
struct HostReportTests {
    /// An item by name ("cgroup" is the cgroup v2 item; namespaces are looked up by `namespace`).
    func item(_ report: HostReport, _ name: String) -> HostReport.Item? {
        report.items.first { $0.name == name }
    }

    func namespace(_ report: HostReport, _ name: String) -> HostReport.Item? {
        report.namespaces.first { $0.name == name }
    }

    @Test func aHostWhereEverythingWorks() throws {
        let report = HostReport(HostObservationsFixture.typicalRoot())
        #expect(report.allOK)
        #expect(report.namespaces.map(\.name) == ["user", "pid", "mount", "uts", "ipc", "net", "cgroup", "time"])
        #expect(report.items.map(\.name) == ["unprivileged-user-namespaces", "subordinate-ids", "clone3", "cgroup", "landlock", "seccomp"])
        #expect((report.namespaces + report.items).allSatisfy { $0.fix == nil })
        #expect(report.text.hasPrefix("swclone --check: what this host (Linux 6.12.0-1-amd64) lets root (UID 0, GID 0) do\n"))
        #expect(!report.text.contains("NO "))
    }

    /// The documented layout: top-level keys, and each item's ok, detail, fix, then its own keys.
    @Test func jsonLayout() throws {
        let report = HostReport(HostObservationsFixture.typicalRoot())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "version", "kernel", "uid", "gid", "user", "privileged", "ok", "namespaces", "unprivileged-user-namespaces",
                "subordinate-ids", "clone3", "cgroup", "landlock", "seccomp",
            ])
        #expect(object["version"] as? Int == 1 && object["ok"] as? Bool == true && object["user"] as? String == "root")
        let namespaces = try #require(object["namespaces"] as? [String: [String: Any]])
        #expect(Set(namespaces["net"]!.keys) == ["ok", "detail", "fix", "direct", "in-user-namespace", "errno"])
        let own: [String: Set<String>] = [
            "unprivileged-user-namespaces": [
                "kernel.unprivileged_userns_clone", "user.max_user_namespaces", "kernel.apparmor_restrict_unprivileged_userns", "errno",
            ],
            "subordinate-ids": ["user", "subuid", "subgid", "newuidmap", "newgidmap"],
            "clone3": ["errno"],
            "cgroup": ["mount", "cgroup", "directory", "writable", "controllers", "delegated", "v1-controllers"],
            "landlock": ["abi", "errno"],
            "seccomp": ["mode", "filters", "actions"],
        ]
        for (name, keys) in own {
            let entry = try #require(object[name] as? [String: Any])
            #expect(Set(entry.keys) == keys.union(["ok", "detail", "fix"]), "\(name)")
        }
        let subuid = (object["subordinate-ids"] as? [String: Any])?["subuid"] as? [String: Int]
        #expect(subuid == ["start": 100_000, "count": 65536])
        // ok, detail and fix come first in every item.
        let clone3 = report.json.components(separatedBy: "\"clone3\": {")[1]
        #expect(clone3.hasPrefix("\n    \"ok\": true,\n    \"detail\": \"yes\",\n    \"fix\": null,\n    \"errno\": null\n"))
    }

    @Test func unprivilegedCallerGetsNamespacesThroughAUserNamespace() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.uid = 1000
        o.gid = 1000
        o.userName = "alice"
        o.settings.privileged = false
        o.unprivilegedUID = 1000
        o.namespaces[.net] = NamespaceProbe(direct: ProbeOutcome(stage: .unshare, err: EPERM), inUserNamespace: .ok)
        let report = HostReport(o)
        let net = try #require(namespace(report, "net"))
        #expect(net.ok && net.detail == "yes, owned by a new user namespace (-r or -U); alone it needs CAP_SYS_ADMIN (EPERM)")
        #expect(report.json.contains("\"in-user-namespace\": true"))
    }

    @Test func userNamespacesOffOnDebian() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.uid = 1000
        o.settings.privileged = false
        o.settings.unprivilegedUsernsClone = 0
        o.unprivilegedUID = 1000
        let refused = ProbeOutcome(stage: .unshare, err: EPERM)
        o.namespaces[.user] = NamespaceProbe(direct: refused)
        o.namespaces[.pid] = NamespaceProbe(direct: refused, inUserNamespace: refused)
        o.unprivilegedUserNamespace = refused
        let report = HostReport(o)
        let user = try #require(namespace(report, "user"))
        #expect(!user.ok && user.fix?.hasPrefix("kernel.unprivileged_userns_clone is 0") == true)
        let pid = try #require(namespace(report, "pid"))
        #expect(!pid.ok && pid.detail.hasPrefix("no: alone it needs CAP_SYS_ADMIN (EPERM); in a new user namespace, unshare:"))
        #expect(pid.fix == user.fix)
        let unprivileged = try #require(item(report, "unprivileged-user-namespaces"))
        #expect(!unprivileged.ok && unprivileged.fix == user.fix)
        #expect(unprivileged.detail.contains("kernel.unprivileged_userns_clone = 0"))
        #expect(report.text.contains("NO  user namespace"))
        #expect(report.text.contains("fix: kernel.unprivileged_userns_clone is 0"))
    }

    /// Ubuntu 24.04: the namespace is made, its maps are refused.
    @Test func ubuntusAppArmorRestriction() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.settings.apparmorRestrictsUserns = 1
        o.unprivilegedUserNamespace = ProbeOutcome(stage: .uidMap, err: EPERM)
        let found = try #require(item(HostReport(o), "unprivileged-user-namespaces"))
        #expect(!found.ok && found.detail.hasPrefix("no (tried as UID 65534): writing uid_map: Operation not permitted (EPERM)"))
        #expect(found.fix?.contains("profile swclone") == true)
        #expect(found.detail.contains("kernel.apparmor_restrict_unprivileged_userns = 1"))
    }

    /// Root inside a user namespace where UID 65534 has no mapping: the sysctls decide.
    @Test func noUnprivilegedUserToTry() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.unprivilegedUserNamespace = ProbeOutcome(stage: .identity, err: EPERM)
        #expect(item(HostReport(o), "unprivileged-user-namespaces")?.ok == true)
        o.settings.maxNamespaces[.user] = 0
        let off = try #require(item(HostReport(o), "unprivileged-user-namespaces"))
        #expect(!off.ok && off.fix?.hasPrefix("user.max_user_namespaces is 0") == true)
    }

    @Test func aMissingKindAndALimitOfZero() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.namespaces[.time] = nil
        o.settings.maxNamespaces[.net] = 0
        o.namespaces[.net] = NamespaceProbe(direct: ProbeOutcome(stage: .unshare, err: ENOSPC))
        let report = HostReport(o)
        #expect(namespace(report, "time")?.fix == "a kernel built with them (CONFIG_TIME_NS)")
        #expect(namespace(report, "net")?.fix?.hasPrefix("user.max_net_namespaces is 0") == true)
        #expect(namespace(report, "net")?.fields.last?.1 == .string("ENOSPC"))
    }

    @Test func subordinateIDsAndHelpers() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.uid = 1000
        o.userName = "alice"
        o.settings.privileged = false
        o.subordinateIDs = SubordinateIDs(
            subuid: .success(nil), subgid: .success(SubordinateBlock(start: 200_000, count: 10)), newuidmap: nil,
            newgidmap: HelperProgram(path: "/usr/bin/newgidmap", privileged: false))
        let ids = try #require(item(HostReport(o), "subordinate-ids"))
        #expect(!ids.ok)
        #expect(
            ids.detail == "no block in /etc/subuid, /etc/subgid 200000-200009 (10 IDs), no newuidmap, "
                + "/usr/bin/newgidmap (neither set-user-ID root nor with file capabilities)")
        #expect(
            ids.fix == "as root: usermod --add-subuids FIRST-LAST alice, with a range no other entry has; install newuidmap "
                + "(Debian and Ubuntu: apt install uidmap; Fedora: shadow-utils); as root: chmod u+s /usr/bin/newgidmap "
                + "(for --map-auto, --map-subids and ranges)")
    }

    @Test func clone3RefusedByAFilter() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.clone3Refusal = ENOSYS
        o.settings.seccompFiltered = true
        o.seccomp = SeccompObservation(actions: ["errno", "allow"], mode: 2, filters: 1)
        let report = HostReport(o)
        let clone3 = try #require(item(report, "clone3"))
        #expect(!clone3.ok && clone3.detail.hasPrefix("refused (ENOSYS): a seccomp filter refuses it"))
        #expect(clone3.fix == "allow clone3 in the seccomp profile swclone runs under (the container's)")
        #expect(item(report, "seccomp")?.detail == "filters available; 1 filter is already on swclone (a container's profile?)")
    }

    @Test func cgroups() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.cgroup.writable = false
        o.cgroup.subtreeControl = ["memory"]
        let notWritable = try #require(item(HostReport(o), "cgroup"))
        #expect(!notWritable.ok && notWritable.fix?.contains("systemd-run --user --scope -p Delegate=yes") == true)
        #expect(notWritable.detail.contains("given to a cgroup made below it: memory"))
        // The root cgroup (a container's, or a hybrid host's v2) gives any of its controllers.
        o.cgroup = CgroupObservation(
            mountPoint: "/sys/fs/cgroup/unified", cgroup: "/", directory: "/sys/fs/cgroup/unified", writable: true,
            controllers: ["hugetlb"], subtreeControl: [], v1Controllers: ["memory", "pids"])
        let hybrid = try #require(item(HostReport(o), "cgroup"))
        #expect(
            hybrid.ok
                && hybrid.detail.hasSuffix(
                    "given to a cgroup made below it: hugetlb; in cgroup v1 hierarchies (a hybrid host): memory, pids")
        )
        o.cgroup.mountPoint = nil
        #expect(item(HostReport(o), "cgroup")?.fix?.contains("systemd.unified_cgroup_hierarchy=1") == true)
    }

    @Test func landlock() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.landlock = .failure(ProbeError(EOPNOTSUPP))
        #expect(item(HostReport(o), "landlock")?.fix == "add landlock to the kernel's lsm= boot parameter")
        o.landlock = .failure(ProbeError(ENOSYS))
        #expect(item(HostReport(o), "landlock")?.fix == "Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK")
    }

    @Test func jsonStringsAreEscaped() throws {
        var o = HostObservationsFixture.typicalRoot()
        o.userName = "a\"b\\c\nd\u{1}"
        let object = try JSONSerialization.jsonObject(with: Data(HostReport(o).json.utf8)) as? [String: Any]
        #expect(object?["user"] as? String == "a\"b\\c\nd\u{1}")
    }
}
