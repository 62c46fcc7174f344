import Foundation
import Testing

/// The restore use case: a process recreated with the PID it had, inside a
/// PID namespace that already has its init.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct EnterSetTIDTests {
    @Test func chosenPIDInsideAnEnteredPIDNamespace() throws {
        let target = try EnterTarget(["--pid", "--fork"])
        defer { target.stop() }
        let script = #"echo $$; while read -r k v; do if [ "$k" = NSpid: ]; then echo "$v"; fi; done </proc/self/status"#
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "-p", "--set-tid", "4242", "--", "sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first == "4242")
        // NSpid: the host's PID, then the chosen one in the entered namespace.
        #expect(r.lines.last?.split(separator: "\t").last == "4242", "\(r.stdout)")
    }

    @Test func pidInUseInTheEnteredNamespace() throws {
        let target = try EnterTarget(["--pid", "--fork"])
        defer { target.stop() }
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "-p", "--set-tid", "1", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--set-tid 1")
        #expect(r.stderr.contains("in use"), "\(r.stderr)")
    }
}
