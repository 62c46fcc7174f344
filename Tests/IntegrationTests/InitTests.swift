import Foundation
import Testing

/// --init: swclone's minimal init is PID 1, the program PID 2; orphans are
/// reaped, signals forwarded, and swclone ends the way the program did.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct InitTests {
    @Test func initIsPIDOneAndTheProgramPIDTwo() throws {
        let r = try Swclone.run([
            "--pid", "--init", "--mount-proc", "--", "sh", "-c",
            "echo $$; cat /proc/1/comm; cut -d' ' -f4 /proc/self/stat",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // The shell is PID 2, PID 1 is swclone, and `cut`'s parent is the shell.
        #expect(r.lines == ["2", "swclone", "2"], "\(r.stdout)")
    }

    @Test func orphansAreReaped() throws {
        // The subshell exits at once, so its `sleep` is orphaned to PID 1 and must not stay a zombie.
        let r = try Swclone.run([
            "--pid", "--init", "--mount-proc", "--", "sh", "-c",
            "(sleep 0.1 &); sleep 0.6; cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ' || true",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["0"], "\(r.stdout)")
    }

    @Test func termIsForwardedAndSwcloneDiesByIt() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --pid --init -- sh -c 'echo ready; exec sleep 20'"#) + """

                kill -TERM $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["143"], "\(r.stderr)")
    }

    /// The kernel's rule --init is for: a `sleep` that is PID 1 ignores TERM (it has no handler).
    @Test func withoutInitPIDOneIgnoresTerm() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --pid -- sh -c 'echo ready; exec sleep 2'"#) + """

                kill -TERM $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["0"], "PID 1 without --init ignores TERM: \(r.stdout) \(r.stderr)")
    }

    @Test func trapDecidesTheStatus() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --pid --init -- sh -c 'trap "exit 9" USR1; echo ready; sleep 20 & wait'"#) + """

                kill -USR1 $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["9"], "\(r.stderr)")
    }

    @Test func killedBySigkillGives137() throws {
        let r = try Swclone.run(["--pid", "--init", "--", "sh", "-c", "kill -KILL $$"])
        #expect(r.signal == SIGKILL && r.status == 137, "\(r.stderr)")
    }

    static let ends: [([String], Int32)] = [(["sh", "-c", "exit 5"], 5), (["no-such-program-here"], 127), (["/etc/passwd"], 126)]

    @Test(arguments: ends)
    func exitStatusPassesThrough(argv: [String], status: Int32) throws {
        let r = try Swclone.run(["--pid", "--init", "--"] + argv)
        #expect(r.status == status && r.signal == nil, "\(r.stderr)")
        if status >= 126 { expectOneErrorLine(r, containing: "cannot execute") }
    }

    @Test func initWithoutPIDIsAUsageError() throws {
        let r = try Swclone.run(["--init", "--fork", "--", "true"])
        expectOneErrorLine(r, status: 64, containing: "--init needs --pid")
    }

    @Test func unprivilegedWithUserNamespace() throws {
        let r = try Swclone.run(
            ["--user", "--map-root-user", "--pid", "--init", "--mount-proc", "--", "sh", "-c", "echo $$; id -u"],
            asUser: "65534")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["2", "0"], "\(r.stdout)")
    }
}
