import Foundation
import Testing

/// Signals sent to swclone reach the program through its pidfd; the program
/// decides what they mean, and swclone ends the way the program ended.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct SignalForwardingTests {
    /// The trap ends the background sleep too (its PID is in the trap's text): a
    /// shell that exits leaves its background jobs running, orphaned.
    @Test func termReachesTheProgramWhoseTrapDecides() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --fork -- sh -c 'sleep 20 & trap "kill $!; exit 7" TERM; echo ready; wait'"#) + """

                kill -TERM $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["7"], "\(r.stdout) \(r.stderr)")
    }

    @Test(arguments: ["HUP", "INT", "QUIT", "USR1", "USR2", "ALRM", "WINCH"])
    func eachSignalIsForwarded(name: String) throws {
        // A shell starts `cmd &` with INT and QUIT ignored, and an ignored signal cannot be trapped.
        let r = try cleanShell(
            startWhenReady(
                """
                perl -e '$SIG{INT} = $SIG{QUIT} = "DEFAULT"; exec @ARGV or die' \\
                  "$SW" --fork -- sh -c 'trap "echo got; exit 0" \(name); echo ready; while :; do sleep 0.05; done'
                """) + """

                    kill -\(name) $p; wait $p; echo "rc=$?"; cat "$out"; rm -f "$out"
                    """)
        #expect(r.lines == ["rc=0", "ready", "got"], "\(r.stdout) \(r.stderr)")
    }

    /// With no trap the program dies by the signal, and so does swclone: 128+15 in a shell.
    @Test func untrappedTermKillsBothAlike() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --fork -- sh -c 'echo ready; exec sleep 20'"#) + """

                kill -TERM $p; wait $p; echo $?; rm -f "$out"
                """)
        #expect(r.lines == ["143"], "\(r.stderr)")
    }

    @Test func forwardSignalsIsAccepted() throws {
        let r = try Swclone.run(["--fork", "--forward-signals", "--", "sh", "-c", "exit 3"])
        #expect(r.status == 3 && r.stderr.isEmpty, "\(r.stderr)")
    }

    /// `kill -TSTP swclone`: the program stops, swclone stops too, and SIGCONT continues both.
    @Test func stopAndContinueFollowTheProgram() throws {
        let r = try cleanShell(
            startWhenReady(#""$SW" --fork -- sh -c 'echo ready; sleep 1; echo done'"#) + """

                kill -TSTP $p
                i=0; while [ "$(cut -d' ' -f3 /proc/$p/stat)" != T ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
                cut -d' ' -f3 /proc/$p/stat
                set -- $(cat /proc/$p/task/$p/children); cut -d' ' -f3 /proc/$1/stat
                kill -CONT $p; wait $p; echo "rc=$?"; cat "$out"; rm -f "$out"
                """)
        #expect(r.lines == ["T", "T", "rc=0", "ready", "done"], "\(r.stdout) \(r.stderr)")
    }
}
