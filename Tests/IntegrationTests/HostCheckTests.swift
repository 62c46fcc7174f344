import Foundation
import Testing

/// `swclone --check [--json]` on this machine: it looks without launching,
/// exits 0, and says what it saw in the documented layout.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct HostCheckTests {
    func json(_ r: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    @Test(arguments: [nil, "65534"])
    func looksAndExitsZero(user: String?) throws {
        let text = try Swclone.run(["--check"], asUser: user)
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(text.lines.first?.hasPrefix("swclone --check: what this host (Linux ") == true)
        for label in ["user namespace", "unprivileged user namespaces", "subordinate IDs", "clone3", "cgroup v2", "Landlock", "seccomp"] {
            #expect(text.lines.contains { $0.dropFirst(4).hasPrefix(label) }, "\(label): \(text.stdout)")
        }
        // Either order, abbreviated as getopt_long allows.
        let r = try Swclone.run(["--json", "--che"], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try json(r)
        #expect(object["uid"] as? Int == Int(user ?? "0"))
        #expect(object["version"] as? Int == 1)
        // This machine: clone3, Landlock and seccomp filters are there; a user namespace can be made.
        #expect((object["clone3"] as? [String: Any])?["ok"] as? Bool == true)
        #expect((object["landlock"] as? [String: Any])?["abi"] as? Int ?? 0 >= 1)
        #expect(((object["namespaces"] as? [String: Any])?["user"] as? [String: Any])?["ok"] as? Bool == true)
        // The caller's own view of the cgroup it is in.
        let cgroup = try #require(object["cgroup"] as? [String: Any])
        #expect(cgroup["writable"] as? Bool == (user == nil))
    }

    /// The namespaces an unprivileged user gets only through a user namespace.
    @Test func unprivilegedNamespacesNeedAUserNamespace() throws {
        let object = try json(try Swclone.run(["--check", "--json"], asUser: "65534"))
        let namespaces = try #require(object["namespaces"] as? [String: [String: Any]])
        let net = try #require(namespaces["net"])
        #expect(net["direct"] as? Bool == false && net["in-user-namespace"] as? Bool == true && net["errno"] as? String == "EPERM")
        #expect(net["ok"] as? Bool == true)
    }

    /// A limit set in a user namespace the test owns is what the check inside it reports.
    @Test func aLimitOfZeroIsReportedWithItsFix() throws {
        let r = try Swclone.run([
            "--map-root-user", "--", "sh", "-c", "echo 0 > /proc/sys/user/max_net_namespaces && exec \"$1\" --check", "sh", Swclone.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let net = r.lines.firstIndex { $0.hasPrefix("NO  net namespace") }
        #expect(net != nil, "\(r.stdout)")
        if let net {
            #expect(r.lines[net + 1].trimmingCharacters(in: .whitespaces).hasPrefix("fix: user.max_net_namespaces is 0"))
        }
    }

    @Test(arguments: [
        (["--check", "--pid"], "--check launches nothing and takes no --pid; only --json"),
        (["-r", "--check"], "--check launches nothing and takes no -r; only --json"),
        (["--json"], "--json goes with --check (for a launch's status: --json-status)"),
        (["--check", "true"], "--check launches nothing: 'true' is not run"),
        (["--check", "--hostname", "x"], "--check launches nothing and takes no --hostname; only --json"),
        (["enter", "--check"], "unknown option --check (it is an option of swclone)"),
    ])
    func usageErrors(args: [String], message: String) throws {
        expectOneErrorLine(try Swclone.run(args), status: 64, containing: message)
    }
}
