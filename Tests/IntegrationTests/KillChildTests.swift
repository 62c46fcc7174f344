import Foundation
import Testing

/// --kill-child: when swclone dies, the program gets the signal, whatever the timing.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct KillChildTests {
    /// Starts `swclone OPTIONS -- sleep 30`, SIGKILLs swclone once the program runs, and
    /// tells whether the program is still there a moment later. The program writes its
    /// host PID (the host's /proc) before it execs sleep.
    func programOutlivesSwclone(_ options: String) throws -> Run {
        try cleanShell(
            """
            f="${TMPDIR:-/tmp}/sw-kc.$$"
            "$SW" \(options) -- sh -c 'read -r pid rest </proc/self/stat; echo $pid >"$0"; exec sleep 30' "$f" &
            p=$!; until [ -s "$f" ]; do sleep 0.05; done; c=$(cat "$f"); rm -f "$f"
            kill -KILL $p; wait $p 2>/dev/null
            # Gone or a zombie (this machine's PID 1 may be slow to reap it) within 5 s; a dying
            # process passes through other states (R, D) on its way.
            i=0; state=$(cut -d' ' -f3 /proc/$c/stat 2>/dev/null)
            while [ $i -lt 50 ] && [ -n "$state" ] && [ "$state" != Z ]; do
                sleep 0.1; i=$((i + 1)); state=$(cut -d' ' -f3 /proc/$c/stat 2>/dev/null)
            done
            if [ -n "$state" ] && [ "$state" != Z ]; then echo "alive: $(grep -E "State|Sig" /proc/$c/status | tr "\n" " ")"; kill -KILL $c; else echo gone; fi
            """)
    }

    @Test func programDiesWithSwclone() throws {
        let r = try programOutlivesSwclone("--kill-child")
        #expect(r.lines == ["gone"], "\(r.stdout) \(r.stderr)")
    }

    @Test func chosenSignalIsSent() throws {
        let r = try programOutlivesSwclone("--kill-child=SIGTERM")
        #expect(r.lines == ["gone"], "\(r.stdout) \(r.stderr)")
    }

    /// util-linux's real-time names; a real-time signal's default action ends the program.
    @Test func realTimeSignalIsSent() throws {
        let r = try programOutlivesSwclone("--kill-child=RTMIN+3")
        #expect(r.lines == ["gone"], "\(r.stdout) \(r.stderr)")
    }

    /// Under --init the init gets the signal and passes a TERM on to the program.
    @Test func programUnderInitDiesWithSwclone() throws {
        let r = try programOutlivesSwclone("--pid --init --kill-child=TERM")
        #expect(r.lines == ["gone"], "\(r.stdout) \(r.stderr)")
    }

    /// The check that --kill-child is needed: without it the program survives.
    @Test func withoutItTheProgramSurvives() throws {
        let r = try programOutlivesSwclone("--fork")
        #expect(r.stdout.hasPrefix("alive"), "\(r.stdout) \(r.stderr)")
    }

    /// Found by `make fuzz`: a child that arms its death signal and then waits for swclone (maps
    /// written from outside, --json-status reading the namespaces) failed with "the launcher went
    /// away before the program was set up".
    @Test func aChildThatWaitsForSwcloneCanHaveADeathSignal() throws {
        let maps = try Swclone.run([
            "--kill-child", "--map-users=0:100000:65536", "--map-groups=0:100000:65536", "--",
            "cat", "/proc/self/uid_map",
        ])
        #expect(maps.status == 0, "\(maps.stderr)")
        #expect(maps.stdout.split(whereSeparator: \.isWhitespace) == ["0", "100000", "65536"], "\(maps.stdout)")
        let status = try Swclone.run(["--kill-child=TERM", "--net", "--json-status", "-", "--", "true"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.lines.first?.contains("\"child-pid\"") == true, "\(status.stdout)")
    }

    @Test func badSignalIsOneUsageLine() throws {
        let r = try Swclone.run(["--kill-child=NOPE", "--", "true"])
        expectOneErrorLine(r, status: 64, containing: "--kill-child=NOPE")
    }
}
