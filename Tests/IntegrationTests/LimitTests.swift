import Foundation
import Testing

/// --timeout, the transient cgroup's limits, --kill-tree and --rlimit against
/// the kernel: what ends the program, what is left of its tree, what the
/// kernel reports from inside, and that no cgroup directory stays behind.
@Suite(.needsRoot, .noLeftoverProcesses, .noLeftoverCgroups, .serialized, .timeLimit(.minutes(1)))
struct LimitTests {
    /// A sleep no other test runs, to look for after the launch.
    func uniqueSleep() -> String { "300.\(Int.random(in: 100_000...999_999))" }

    func isRunning(_ pattern: String) throws -> Bool {
        try runProgram("/usr/bin/pgrep", ["-f", "sleep \(pattern)"]).status == 0
    }

    func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.filter { $0.hasPrefix("{") }.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func timed(_ body: () throws -> Run) rethrows -> (Run, Double) {
        let start = Date()
        let run = try body()
        return (run, Date().timeIntervalSince(start))
    }

    // MARK: --timeout

    @Test func aSleepIsStoppedInAboutASecondWith124() throws {
        let (r, seconds) = try timed { try Swclone.run(["--timeout", "1", "--", "sleep", "30"]) }
        #expect(r.status == 124 && r.signal == nil, "\(r.stderr)")
        #expect(seconds > 0.9 && seconds < 3, "\(seconds) s")
        #expect(r.stderr == "swclone: timed out after 1s\n")
    }

    /// SIGTERM goes to the program; what it started, even in a session of its own, goes with the tree.
    /// A shell that is PID 1 (--pid without --init) has no handler for SIGTERM, so the kernel drops it:
    /// SIGKILL comes KILL-AFTER later, and the status is 137.
    @Test(arguments: [["--fork"], ["--pid"], ["--pid", "--init"]])
    func aSetsidGrandchildIsGoneAfterTheTimeout(options: [String]) throws {
        let sleep = uniqueSleep()
        let r = try Swclone.run(options + ["--timeout", "1,1", "--", "sh", "-c", "setsid sleep \(sleep) & sleep 30"])
        #expect(r.status == (options == ["--pid"] ? 137 : 124), "\(r.stderr)")
        #expect(try !isRunning(sleep))
    }

    @Test func aProgramThatIgnoresTermIsKilledAfterKillAfter() throws {
        let (r, seconds) = try timed {
            try Swclone.run(["--timeout", "1,1", "--json-status", "-", "--", "sh", "-c", "trap '' TERM; sleep 30"])
        }
        // As timeout(1): 137 (128 + SIGKILL) when SIGKILL was needed, as an exit status.
        #expect(r.status == 137 && r.signal == nil, "\(r.stderr)")
        #expect(seconds > 1.9 && seconds < 4, "\(seconds) s")
        expectOneErrorLine(r, containing: "timed out after 1s; the program was still running 1s after SIGTERM")
        let last = try #require(try objects(r.lines).last)
        #expect(last["exit-reason"] as? String == "timed-out" && last["exit-signal"] as? Int == 9, "\(r.stdout)")
    }

    /// The program that ends on SIGTERM gives 124 whatever its own status, as with timeout(1).
    @Test func theJSONStatusSaysTimedOut() throws {
        let r = try Swclone.run(["--timeout", "0.5", "--json-status", "-", "--", "sh", "-c", "trap 'exit 3' TERM; sleep 30 & wait"])
        #expect(r.status == 124, "\(r.stderr)")
        let last = try #require(try objects(r.lines).last)
        #expect(last["exit-code"] as? Int == 3 && last["exit-reason"] as? String == "timed-out", "\(r.stdout)")
        #expect(last["cpu-usec"] is Int, "a transient cgroup held the tree: \(r.stdout)")
    }

    /// Unprivileged, no cgroup can be made here: the program's process group is killed whole.
    @Test func unprivilegedTimeoutKillsTheProcessGroup() throws {
        let sleep = uniqueSleep()
        let r = try Swclone.run(["--timeout", "1", "--", "sh", "-c", "sleep \(sleep) & sleep 30"], asUser: "65534")
        #expect(r.status == 124 && r.stderr == "swclone: timed out after 1s\n", "\(r.stderr)")
        #expect(try !isRunning(sleep))
    }

    /// --into-cgroup keeps the program in its directory; the timeout's SIGKILL then goes to its process group.
    @Test func timeoutWithIntoCgroupStartsTheProgramThere() throws {
        let cg = try TestCgroup("into-timeout")
        defer { cg.remove() }
        let r = try Swclone.run(["--into-cgroup", cg.path, "--timeout", "10", "--", "grep", "^0::", "/proc/self/cgroup"])
        #expect(r.status == 0 && r.lines == ["0::" + cg.path.dropFirst(TestCgroup.mountPoint!.count)], "\(r.stdout) \(r.stderr)")
    }

    // MARK: --kill-tree

    @Test func killTreeEndsWhatTheProgramLeft() throws {
        let sleep = uniqueSleep()
        let r = try Swclone.run(["--kill-tree", "--", "sh", "-c", "setsid sleep \(sleep) & echo started"])
        #expect(r.status == 0 && r.lines == ["started"], "\(r.stderr)")
        #expect(try !isRunning(sleep))
    }

    @Test func unprivilegedKillTreeWithoutAPIDNamespaceNamesTheFix() throws {
        let r = try Swclone.run(["--kill-tree", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "--kill-tree: cannot create the transient cgroup")
        #expect(r.stderr.contains("(EACCES)") && r.stderr.contains("--cgroup-parent") && r.stderr.contains("--pid"))
        // With a PID namespace the kernel holds the tree: nothing to create.
        let pid = try Swclone.run(["--user", "--map-root-user", "--pid", "--kill-tree", "--", "true"], asUser: "65534")
        #expect(pid.status == 0, "\(pid.stderr)")
    }

    // MARK: the transient cgroup

    @Test func pidsMaxStopsALoopOfForks() throws {
        let sleep = uniqueSleep()
        let r = try Swclone.run([
            "--pids-max", "8", "--", "sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep \(sleep) & i=$((i + 1)); echo $i; done; wait",
        ])
        #expect(r.status != 0 && r.stderr.contains("fork"), "\(r.stderr)")
        // The shell is one of the 8.
        #expect((Int(r.lines.last ?? "") ?? 99) < 8, "\(r.stdout)")
        #expect(try !isRunning(sleep))
    }

    @Test func memoryMaxEndsA512MBAllocationAsOOMKilled() throws {
        // The shell itself holds the 512 MB it reads: it is the one the OOM killer picks.
        let r = try Swclone.run([
            "--memory-max", "48M", "--json-status", "-", "--", "sh", "-c", #"a=$(head -c 536870912 /dev/zero | tr '\0' x); echo ${#a}"#,
        ])
        #expect(r.signal == SIGKILL, "\(r.status) \(r.stderr)")
        expectOneErrorLine(r, containing: "swclone: the program was killed by the OOM killer (--memory-max 48M)")
        let last = try #require(try objects(r.lines).last)
        #expect(last["exit-reason"] as? String == "oom-killed", "\(r.stdout)")
        #expect((last["oom-kills"] as? Int ?? 0) >= 1 && (last["memory-peak"] as? Int ?? 0) > 40 << 20, "\(r.stdout)")
    }

    /// What the kernel shows from inside: the program's cgroups carry the limits.
    @Test func theProgramSeesItsLimits() throws {
        let script = """
            for c in $(cut -d: -f2,3 /proc/self/cgroup); do
              case $c in
                :*) d=$(grep -m1 ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5)${c#:}; cat $d/cgroup.procs >/dev/null && echo v2 ;;
                pids:*) cat $(grep -m1 ' - cgroup .*[ ,]pids' /proc/self/mountinfo | cut -d' ' -f5)${c#pids:}/pids.max ;;
              esac
            done
            """
        let r = try Swclone.run(["--pids-max", "16", "--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.contains("16") && r.lines.contains("v2"), "\(r.stdout)")
    }

    @Test func cgroupParentHoldsTheTransientCgroup() throws {
        let parent = try TestCgroup("parent")
        defer { parent.remove() }
        let r = try Swclone.run(["--cgroup-parent", parent.path, "--kill-tree", "--", "grep", "^0::", "/proc/self/cgroup"])
        let relative = String(parent.path.dropFirst(TestCgroup.mountPoint!.count))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first?.hasPrefix("0::\(relative)/swclone-") == true, "\(r.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).allSatisfy { !$0.hasPrefix("swclone-") })
    }

    /// A host without cgroup v2 (here: unmounted in a mount namespace of the test's own): the
    /// v1 pids cgroup holds the tree, emptied process by process.
    @Test func withoutCgroupV2TheV1CgroupHoldsTheTree() throws {
        guard let mount = TestCgroup.mountPoint else { return }
        let sleep = uniqueSleep()
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "sh", "-c", #"umount "$1" && shift && exec "$@""#, "sh", mount, Swclone.path,
                "--pids-max", "8", "--", "sh", "-c", "setsid sleep \(sleep) & grep -c ' - cgroup2 ' /proc/self/mountinfo",
            ])
        #expect(r.lines == ["0"], "\(r.stdout) \(r.stderr)")
        #expect(try !isRunning(sleep))
    }

    @Test func unprivilegedMemoryMaxFailsWithOneLineNamingTheFix() throws {
        let r = try Swclone.run(["--memory-max", "48M", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "--memory-max 48M: cannot create the transient cgroup")
        #expect(r.stderr.contains("--cgroup-parent"), "\(r.stderr)")
    }

    @Test func aCgroupParentThatIsNoCgroupIsRefused() throws {
        let r = try Swclone.run(["--cgroup-parent", "/tmp", "--kill-tree", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--cgroup-parent /tmp: not a cgroup directory")
    }

    /// A signal sent to swclone reaches the program; the cgroup still goes once it has ended.
    @Test func termToSwcloneStillRemovesTheCgroup() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --pids-max 50 -- sh -c 'echo ready; exec sleep 20'"#) + """

                kill -TERM $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["143"], "\(r.stderr)")
    }

    @Test func jsonStatusReportsWhyAndWhatWasUsed() throws {
        let plain = try Swclone.run(["--json-status", "-", "--", "true"])
        let plainLast = try #require(try objects(plain.lines).last)
        #expect(plainLast["exit-reason"] as? String == "exited" && plainLast["cpu-usec"] == nil, "\(plain.stdout)")
        let r = try Swclone.run(["--pids-max", "100", "--json-status", "-", "--", "sh", "-c", "kill -USR1 $$"])
        let last = try #require(try objects(r.lines).last)
        #expect(last["exit-reason"] as? String == "signaled" && last["cpu-usec"] is Int && last["oom-kills"] == nil, "\(r.stdout)")
    }

    // MARK: --rlimit

    @Test(arguments: [[], ["--fork"], ["--pid", "--init"]])
    func nofileIsSeenByUlimit(options: [String]) throws {
        let r = try Swclone.run(options + ["--rlimit", "nofile=64", "--", "sh", "-c", "ulimit -n; ulimit -Hn"])
        #expect(r.status == 0 && r.lines == ["64", "64"], "\(r.stdout) \(r.stderr)")
    }

    @Test func softAndHardApart() throws {
        let r = try Swclone.run(["--rlimit", "nofile=32:64", "--rlimit", "core=0", "--", "sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -c"])
        #expect(r.lines == ["32", "64", "0"], "\(r.stdout) \(r.stderr)")
        let user = try Swclone.run(["--rlimit", "nofile=64", "--", "sh", "-c", "ulimit -n"], asUser: "65534")
        #expect(user.lines == ["64"], "\(user.stderr)")
    }

    @Test func aLimitTheKernelRefusesIsOneLine() throws {
        // Raising a hard limit needs CAP_SYS_RESOURCE, which nobody lacks.
        let r = try Swclone.run(["--rlimit", "nofile=:1048576", "--", "true"], asUser: "65534")
        expectOneErrorLine(
            r, status: 125, containing: "--rlimit nofile=:1048576: cannot set the nofile limit: Operation not permitted (EPERM)")
    }

    @Test(arguments: [
        (["--rlimit", "bogus=1"], "--rlimit bogus=1: unknown resource 'bogus'"),
        (["--rlimit", "nofile=lots"], "--rlimit nofile=lots: 'lots' is not a number or unlimited"),
        (["--timeout", "soon"], "--timeout soon: 'soon' is not a duration"),
        (["--memory-max", "lots"], "--memory-max lots: not a size in bytes"),
    ])
    func badNamesAndValuesAreUsageErrors(args: [String], message: String) throws {
        let r = try Swclone.run(args + ["--", "true"])
        expectOneErrorLine(r, status: 64, containing: message)
    }
}
