import Foundation

/// A program on a real pseudo-terminal, driven by python3's pty module, as a
/// user at a terminal runs it: the terminal tests and the completion tests.
enum PseudoTerminal {
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
    /// `environment`: added to (or replacing) the terminal's PATH, PS1, TERM=dumb and HOME=/.
    static func run(
        _ argv: [String], _ steps: [Step], stdinNull: Bool = false, environment: [String: String] = [:]
    ) throws -> (transcript: String, status: Int) {
        let encoded = steps.map { step -> [String] in
            switch step {
            case .send(let text): ["send", text]
            case .expect(let pattern): ["expect", pattern]
            case .pause(let seconds): ["pause", String(seconds)]
            case .signal(let number): ["signal", String(number)]
            }
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: encoded), as: UTF8.self)
        let env = String(decoding: try JSONSerialization.data(withJSONObject: environment), as: UTF8.self)
        let r = try runProgram("/usr/bin/env", ["python3", "-c", driver, json, stdinNull ? "1" : "0", env] + argv, timeout: 60)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last(where: { $0.hasPrefix("STATUS ") })?.dropFirst(7) ?? "") ?? -999
        return (r.stdout, status)
    }

    /// The driver: the child gets an empty signal mask and default dispositions
    /// (python ignores SIGPIPE, and the test's thread blocks most signals).
    static let driver = #"""
        import json, os, pty, re, select, signal, sys, time
        steps, stdin_null, extra_env, argv = json.loads(sys.argv[1]), sys.argv[2] == "1", json.loads(sys.argv[3]), sys.argv[4:]
        pid, fd = pty.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(s, signal.SIG_DFL)
            if stdin_null:
                os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
            env = {"PATH": "/usr/bin:/bin", "PS1": "PROMPT$ ", "TERM": "dumb", "HOME": "/"}
            env.update(extra_env)
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
}
