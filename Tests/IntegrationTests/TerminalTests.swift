import Foundation
import Testing

/// Interactive use on a real pseudo-terminal, driven by python3's pty module:
/// job control, Ctrl-C, Ctrl-Z and exit work as in a normal shell.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct TerminalTests {
    enum Step {
        case send(String)
        case expect(String)
        case pause(Double)
        /// kill(2) to the process the terminal runs (the session leader).
        case signal(Int32)
    }

    /// Runs `argv` as the session leader of a new pseudo-terminal and plays
    /// `steps` (expect is a regular expression, searched after the last match).
    /// `stdinNull`: standard input is /dev/null, the terminal stays the controlling one.
    func onTerminal(_ argv: [String], _ steps: [Step], stdinNull: Bool = false) throws -> (transcript: String, status: Int) {
        let encoded = steps.map { step -> [String] in
            switch step {
            case .send(let text): ["send", text]
            case .expect(let pattern): ["expect", pattern]
            case .pause(let seconds): ["pause", String(seconds)]
            case .signal(let number): ["signal", String(number)]
            }
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: encoded), as: UTF8.self)
        let r = try runProgram("/usr/bin/env", ["python3", "-c", Self.driver, json, stdinNull ? "1" : "0"] + argv, timeout: 60)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last(where: { $0.hasPrefix("STATUS ") })?.dropFirst(7) ?? "") ?? -999
        return (r.stdout, status)
    }

    /// The driver: the child gets an empty signal mask and default dispositions
    /// (python ignores SIGPIPE, and the test's thread blocks most signals).
    static let driver = #"""
        import json, os, pty, re, select, signal, sys, time
        steps, stdin_null, argv = json.loads(sys.argv[1]), sys.argv[2] == "1", sys.argv[3:]
        pid, fd = pty.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(s, signal.SIG_DFL)
            if stdin_null:
                os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
            env = {"PATH": "/usr/bin:/bin", "PS1": "PROMPT$ ", "TERM": "dumb", "HOME": "/"}
            if "SWCLONE_TEST_MARK" in os.environ:  # the test's mark (ProcessMark): what the terminal runs is its too
                env["SWCLONE_TEST_MARK"] = os.environ["SWCLONE_TEST_MARK"]
            os.execvpe(argv[0], argv, env)
        out, pos = b"", 0
        def read(seconds):
            global out
            end = time.time() + seconds
            while time.time() < end:
                if select.select([fd], [], [], 0.05)[0]:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        return False
                    if not data:
                        return False
                    out += data
            return True
        for kind, arg in steps:
            if kind == "send":
                os.write(fd, arg.encode())
            elif kind == "pause":
                read(float(arg))
            elif kind == "signal":
                os.kill(pid, int(arg))
            else:
                rx, end = re.compile(arg.encode()), time.time() + 10
                while not (m := rx.search(out, pos)):
                    if time.time() > end or not read(0.1):
                        sys.stdout.write(out.decode(errors="replace") + "\nTIMEOUT waiting for " + arg + "\n")
                        os.kill(pid, signal.SIGKILL)
                        break
                else:
                    pos = m.end()
                    continue
                break
        while read(0.2):
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
        _, st = os.waitpid(pid, 0)
        read(0.1)
        sys.stdout.write(out.decode(errors="replace") + "\nSTATUS %d\n" % os.waitstatus_to_exitcode(st))
        """#

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
