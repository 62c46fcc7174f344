import Foundation
import Testing

/// --into-cgroup, in cgroups the tests make and remove themselves.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct IntoCgroupTests {
    /// The cgroup v2 path of a cgroup directory, as /proc/PID/cgroup shows it.
    func relative(_ dir: String) -> String { String(dir.dropFirst(TestCgroup.mountPoint!.count)) }

    @Test func theProgramStartsInsideTheCgroup() throws {
        let cg = try TestCgroup("into")
        defer { cg.remove() }
        let r = try Swclone.run(["--into-cgroup", cg.path, "--", "cat", "/proc/self/cgroup"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.contains("0::\(relative(cg.path))"), "\(r.stdout)")
    }

    @Test func withSetTIDAndNewNamespaces() throws {
        let cg = try TestCgroup("into-pid")
        defer { cg.remove() }
        let pid = freePID()
        // The program reads the host's /proc: its own PID there is the chosen one.
        let r = try Swclone.run([
            "--pid", "--set-tid", "1,\(pid)", "--into-cgroup", cg.path, "--",
            "sh", "-c", "echo $$; cat /proc/\(pid)/cgroup",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first == "1")
        #expect(r.lines.contains("0::\(relative(cg.path))"), "\(r.stdout)")
    }

    @Test func notACgroupV2Directory() throws {
        let r = try Swclone.run(["--into-cgroup", "/tmp", "--", "true"])
        expectOneErrorLine(
            r, status: 125, containing: "--into-cgroup /tmp: not a cgroup v2 directory (cgroup v2 is mounted at \(TestCgroup.mountPoint!))")
    }

    @Test func removedCgroup() throws {
        let cg = try TestCgroup("gone")
        cg.remove()
        let r = try Swclone.run(["--into-cgroup", cg.path, "--", "true"])
        expectOneErrorLine(
            r, status: 125, containing: "--into-cgroup \(cg.path): no such cgroup directory: No such file or directory (ENOENT)")
    }

    @Test func noPermission() throws {
        let cg = try TestCgroup("denied")
        defer { cg.remove() }
        let r = try Swclone.run(["--user", "--map-root-user", "--into-cgroup", cg.path, "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "--into-cgroup \(cg.path): no permission to move a process into it")
        #expect(r.stderr.contains("(EACCES)"))
    }

    /// A sibling of a threaded cgroup becomes "domain invalid": nothing may start there.
    @Test func threadedInvalid() throws {
        let cg = try TestCgroup("threaded")
        defer { cg.remove() }
        let threaded = try cg.child("threads")
        let invalid = try cg.child("invalid")
        try cg.write("\(threaded)/cgroup.type", "threaded")
        let r = try Swclone.run(["--into-cgroup", invalid, "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--into-cgroup \(invalid): its cgroup.type is 'domain invalid' (threaded-invalid)")
        #expect(r.stderr.contains("(EOPNOTSUPP)"))
    }

    /// EBUSY needs a controller in cgroup.subtree_control, which needs one
    /// the root gives its children; enabling one at the root would change the
    /// host, so the test runs where one is delegated already.
    @Test(.enabled(if: Self.controllerDelegated, "no cgroup v2 controller is enabled in the root's cgroup.subtree_control"))
    func controllersEnabledForChildren() throws {
        let cg = try TestCgroup("busy")
        defer { cg.remove() }
        _ = try cg.child("leaf")
        let controller =
            try String(contentsOfFile: "\(cg.path)/cgroup.controllers", encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        try cg.write("\(cg.path)/cgroup.subtree_control", "+\(controller)")
        let r = try Swclone.run(["--into-cgroup", cg.path, "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--into-cgroup \(cg.path): it has controllers enabled for its children")
        #expect(r.stderr.contains("(EBUSY)"))
    }

    static var controllerDelegated: Bool {
        guard let mount = TestCgroup.mountPoint,
            let text = try? String(contentsOfFile: "\(mount)/cgroup.subtree_control", encoding: .utf8)
        else { return false }
        return !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
}
