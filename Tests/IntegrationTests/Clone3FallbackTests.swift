import Foundation
import Testing

/// Where a seccomp profile refuses clone3 (ENOSYS as Docker's, or EPERM),
/// every launch that needs nothing only clone3 does falls back to
/// clone(CLONE_PIDFD); --set-tid, --into-cgroup and --join-cgroup fail with
/// one line naming clone3 and the cause. swclone runs under the test helper
/// refuse-clone3 (a classic BPF filter, built beside swclone), which is
/// inherited by everything swclone starts.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct Clone3FallbackTests {
    static let refusals = ["ENOSYS", "EPERM"]

    /// The helper, beside the test bundle (it is built with the tests even when $SWCLONE is another build).
    static let helper = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("refuse-clone3").path

    /// `swclone args...` under a filter that refuses clone3 with `refusal`.
    func run(_ refusal: String, _ args: [String]) throws -> Run {
        try runProgram(Self.helper, [refusal, Swclone.path] + args)
    }

    @Test(arguments: refusals)
    func theFilterIsReallyThere(refusal: String) throws {
        let r = try run(refusal, ["--check", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"errno\": \"\(refusal)\""), "\(r.stdout)")
        let check = try run(refusal, ["--check"])
        #expect(check.lines.contains { $0.hasPrefix("NO  clone3") && $0.contains("refused (\(refusal))") }, "\(check.stdout)")
    }

    @Test(arguments: refusals)
    func forkWithNamespaces(refusal: String) throws {
        let r = try run(
            refusal, ["--pid", "--mount", "--fork", "--mount-proc", "--", "sh", "-c", "echo $$; grep ^Seccomp: /proc/self/status"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["1", "Seccomp:\t2"])
    }

    @Test(arguments: refusals)
    func initIsPID1AndTheProgramPID2(refusal: String) throws {
        let r = try run(refusal, ["--pid", "--init", "--", "sh", "-c", "echo $$; cat /proc/1/comm 2>/dev/null || echo -"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first == "2", "\(r.stdout)")
    }

    /// The child waits while swclone writes its maps from outside.
    @Test(arguments: refusals)
    func mapsWrittenFromOutside(refusal: String) throws {
        let r = try run(
            refusal,
            [
                "--user", "--map-users=0:100000:10", "--map-groups=0:100000:10", "--fork", "--", "cat", "/proc/self/uid_map",
                "/proc/self/gid_map",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(mapLine) == ["0 100000 10", "0 100000 10"])
    }

    @Test(arguments: refusals)
    func jsonStatus(refusal: String) throws {
        let r = try run(refusal, ["--json-status", "1", "--net", "--", "sh", "-c", "readlink /proc/self/ns/net"])
        #expect(r.status == 0, "\(r.stderr)")
        // The program's line and swclone's first status line may come in either order.
        guard let link = r.lines.first(where: { $0.hasPrefix("net:[") }),
            let started = r.lines.first(where: { $0.contains("child-pid") })
        else {
            Issue.record("stdout: \(r.stdout)")
            return
        }
        #expect(started.contains("\"net-namespace\": \(link.dropFirst("net:[".count).dropLast())"), "\(r.stdout)")
        #expect(r.lines.last == #"{ "exit-code": 0, "exit-reason": "exited" }"#)
    }

    @Test(arguments: refusals)
    func keptNamespaces(refusal: String) throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let uts = dir.file("uts")
        let r = try run(refusal, ["--uts=\(uts)", "--hostname", "kept-\(refusal)", "--fork", "--", "true"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Swclone.run(["enter", "--uts=\(uts)", "hostname"]).lines == ["kept-\(refusal)"])
    }

    @Test(arguments: refusals)
    func enterAPIDNamespace(refusal: String) throws {
        let target = try EnterTarget(["--pid", "--mount", "--fork", "--mount-proc"])
        defer { target.stop() }
        let r = try run(
            refusal, ["enter", "-t", "\(target.pid)", "--all", "--", "sh", "-c", "cat /proc/1/comm; readlink /proc/self/ns/pid"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["sleep", namespaceLink("pid", pid: "\(target.pid)")])
    }

    /// An unprivileged caller's launch: the child maps itself.
    @Test(arguments: refusals)
    func unprivileged(refusal: String) throws {
        let r = try runProgram(
            Self.helper,
            [refusal, "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", Swclone.path]
                + ["-r", "--pid", "--fork", "--mount-proc", "--", "sh", "-c", "echo $$; id -u"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["1", "0"])
    }

    @Test(arguments: refusals)
    func setTIDNamesClone3(refusal: String) throws {
        let r = try run(refusal, ["--pid", "--set-tid", "1", "--", "true"])
        expectOneErrorLine(
            r, status: 125, containing: "--set-tid 1: needs clone3, which is refused here (\(refusal)): a seccomp filter refuses it")
    }

    @Test(arguments: refusals)
    func intoCgroupNamesClone3(refusal: String) throws {
        let cg = try TestCgroup("refused-\(refusal)")
        defer { cg.remove() }
        let r = try run(refusal, ["--into-cgroup", cg.path, "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--into-cgroup \(cg.path): needs clone3, which is refused here (\(refusal))")
    }

    /// A transient cgroup v2 is entered with CLONE_INTO_CGROUP: a limit needs clone3; --timeout alone
    /// is told that with --pid it needs no cgroup, and works so.
    @Test(arguments: refusals)
    func transientCgroupNamesClone3(refusal: String) throws {
        let limit = try run(refusal, ["--pids-max", "50", "--", "true"])
        expectOneErrorLine(limit, status: 125, containing: "--pids-max 50: needs clone3, which is refused here (\(refusal))")
        #expect(!limit.stderr.contains("with --pid"), "\(limit.stderr)")
        let timeout = try run(refusal, ["--timeout", "5", "--", "true"])
        expectOneErrorLine(timeout, status: 125, containing: "(with --pid, --timeout 5s needs no cgroup)")
        let withPID = try run(refusal, ["--pid", "--timeout", "5", "--", "true"])
        #expect(withPID.status == 0, "\(withPID.stderr)")
    }

    @Test(arguments: refusals)
    func joinCgroupNamesClone3(refusal: String) throws {
        let target = try EnterTarget(["--uts", "--fork"])
        defer { target.stop() }
        let r = try run(refusal, ["enter", "-t", "\(target.pid)", "-u", "--join-cgroup", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--join-cgroup: needs clone3, which is refused here (\(refusal))")
    }
}
