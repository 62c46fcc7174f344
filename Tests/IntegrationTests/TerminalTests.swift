import Foundation
import Testing

/// Interactive use on a real pseudo-terminal, driven by python3's pty module:
/// job control, Ctrl-C, Ctrl-Z and exit work as in a normal shell.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct TerminalTests {
    typealias Step = PseudoTerminal.Step

    func onTerminal(_ argv: [String], _ steps: [Step], stdinNull: Bool = false) throws -> (transcript: String, status: Int) {
        try PseudoTerminal.run(argv, steps, stdinNull: stdinNull)
    }

    static let prompt = Step.expect(#"PROMPT\$ "#)

    /// A job that says when it runs (the terminal echoes "go$((6*7))", only the job prints "go42").
    static func job(_ seconds: Int) -> String { "sh -c 'echo go$((6*7)); exec sleep \(seconds)'" }
    static let jobRuns = Step.expect("go42")

    /// `swclone --pid --mount --fork --mount-proc -- /bin/sh` as a user types it, with and without --init.
    @Test(arguments: [[], ["--init"]])
    func interactiveShellKeepsJobControl(extra: [String]) throws {
        let (t, status) = try onTerminal(
            [Swclone.path, "--pid", "--mount", "--fork", "--mount-proc"] + extra + ["--", "/bin/sh"],
            [
                Self.prompt, .send("echo pid=$$\n"), .expect("pid=[12]"), Self.prompt,
                // Ctrl-C ends the foreground job and the shell goes on.
                .send(Self.job(100) + "\n"), Self.jobRuns, .pause(0.2), .send("\u{03}"), Self.prompt,
                .send("echo after-int\n"), .expect("after-int"), Self.prompt,
                // Ctrl-Z stops the job, `fg` resumes it, Ctrl-C ends it.
                .send(Self.job(101) + "\n"), Self.jobRuns, .pause(0.2), .send("\u{1a}"), .expect("Stopped"), Self.prompt,
                .send("jobs\n"), .expect("sleep 101"), Self.prompt,
                .send("fg\n"), .expect("sleep 101"), .pause(0.3), .send("\u{03}"), Self.prompt,
                .send("jobs; echo after-fg\n"), .expect("after-fg"), Self.prompt,
                .send("exit 5\n"),
            ])
        #expect(status == 5, "\(t)")
        #expect(!t.contains("TIMEOUT") && !t.contains("Cannot set tty process group"), "\(t)")
    }

    /// From a job-control shell: Ctrl-Z stops swclone's job with the program, `fg`
    /// continues both, Ctrl-C kills the program and swclone ends the same way (130).
    @Test(arguments: [["--fork"], ["--pid", "--init"]])
    func jobInAnOuterShell(options: [String]) throws {
        let command = ([Swclone.path] + options + ["--", Self.job(100)]).joined(separator: " ")
        let (t, status) = try onTerminal(
            ["/bin/bash", "--norc", "--noprofile", "-i"],
            [
                Self.prompt, .send(command + "\n"), Self.jobRuns, .pause(0.2), .send("\u{1a}"), .expect("Stopped"), Self.prompt,
                .send("jobs -l\n"), .expect("Stopped"), Self.prompt,
                .send("fg\n"), .pause(0.5), .send("\u{03}"), Self.prompt,
                .send("echo rc=$?\n"), .expect("rc=130"), Self.prompt,
                .send("exit 3\n"),
            ])
        #expect(status == 3, "\(t)")
        #expect(!t.contains("TIMEOUT"), "\(t)")
    }

    /// A program that takes every SIGINT as it comes (sigtimedwait) and lists
    /// their si_code once none came for a second: SI_KERNEL (128) from the
    /// terminal, SI_USER (0) from swclone. `ownGroup`: it first leaves the
    /// terminal's foreground group, so only swclone gets Ctrl-C.
    static func sigintLister(ownGroup: Bool) -> String {
        """
        import os, signal
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
        if \(ownGroup ? "True" : "False"):
            os.setpgid(0, 0)
        print("ready", flush=True)
        codes = []
        while info := signal.sigtimedwait([signal.SIGINT], 5 if not codes else 1):
            codes.append(info.si_code)
        print("codes=" + ",".join(map(str, codes)) + ".")
        """
    }

    /// Ctrl-C reaches swclone and the program both (si_code SI_KERNEL): swclone
    /// does not send it again. To make a copy certain to show, swclone is
    /// stopped while the program takes the terminal's SIGINT, and continued after.
    /// (Standard input is not the terminal: no hand-over, one process group.)
    @Test func ctrlCIsNotDoubled() throws {
        let (t, status) = try onTerminal(
            [Swclone.path, "--fork", "--", "python3", "-c", Self.sigintLister(ownGroup: false)],
            [
                .expect("ready"), .signal(SIGSTOP), .pause(0.3), .send("\u{03}"), .pause(0.5), .signal(SIGCONT),
                .expect("codes=[0-9,]*\\."),
            ], stdinNull: true)
        #expect(status == 0, "\(t)")
        #expect(t.contains("codes=128."), "\(t)")
    }

    /// Ctrl-C that reached swclone but not the program, which left swclone's
    /// process group (as after `fg`, before swclone hands the terminal back), is passed on.
    @Test func ctrlCMissingTheProgramIsPassedOn() throws {
        let (t, status) = try onTerminal(
            [Swclone.path, "--fork", "--", "python3", "-c", Self.sigintLister(ownGroup: true)],
            [
                .expect("ready"), .pause(0.3), .send("\u{03}"), .expect("codes=[0-9,]*\\."),
            ], stdinNull: true)
        #expect(status == 0, "\(t)")
        #expect(t.contains("codes=0."), "\(t)")
    }
}
