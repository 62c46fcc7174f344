import Foundation
import Testing

/// The contract's exit statuses and its one-line errors, from the outside.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct ExitStatusTests {
    @Test(arguments: [["--fork"], ["--uts"], []])
    func programStatusIsPassedOn(mode: [String]) throws {
        let r = try Swclone.run(mode + ["--", "sh", "-c", "exit 42"])
        #expect(r.status == 42)
    }

    @Test(arguments: [(["--fork"], SIGKILL), (["--fork"], SIGTERM), (["--uts"], SIGTERM), (["--uts"], SIGKILL)])
    func killedProgramKillsSwcloneWithTheSameSignal(mode: [String], signal: Int32) throws {
        let r = try Swclone.run(mode + ["--", "sh", "-c", "kill -\(signal) $$"])
        #expect(r.signal == signal, "status \(r.status), stderr \(r.stderr)")
        #expect(r.stderr.isEmpty)
    }

    /// A PID 1 can be killed only from outside its namespace; SIGKILL then
    /// reaches swclone's caller as SIGKILL (util-linux 2.38 exits 1).
    @Test func pidOneKilledFromOutside() throws {
        // Killed as soon as it runs, however long that takes on a busy machine (a fixed pause
        // could miss it and leave it running); its unusual length names it, this run's only.
        let seconds = "4242.\(Int.random(in: 100_000...999_999))"
        let script = "\"$0\" --pid -- sleep \(seconds) & until pkill -KILL -x -f 'sleep \(seconds)'; do sleep 0.05; done; wait $!; echo $?"
        let r = try runProgram("/bin/sh", ["-c", script, Swclone.path])
        #expect(r.stdout == "137\n", "\(r.stdout) \(r.stderr)")
    }

    @Test func noCoreFileWhenTheProgramDumpedCore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-core-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Swclone.run(["--fork", "--wd", dir.path, "--", "sh", "-c", "ulimit -c 0; kill -QUIT $$"])
        #expect(r.signal == SIGQUIT)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test(arguments: [["--fork"], []])
    func notFoundIs127(mode: [String]) throws {
        let r = try Swclone.run(mode + ["--", "/nonexistent/swclone-prog"])
        expectOneErrorLine(r, status: 127, containing: "/nonexistent/swclone-prog: No such file or directory")
        let searched = try Swclone.run(mode + ["--", "swclone-no-such-program"])
        #expect(searched.status == 127)
    }

    @Test(arguments: [["--fork"], []])
    func notExecutableIs126(mode: [String]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-plain-\(getpid())-\(mode.count)")
        try writeFile(file.path, Data("not a program\n".utf8))
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Swclone.run(mode + ["--", file.path])
        expectOneErrorLine(r, status: 126, containing: "Permission denied (EACCES)")
        let dir = try Swclone.run(mode + ["--", "/tmp"])
        #expect(dir.status == 126)
    }

    @Test func scriptWithoutShebangRunsWithTheShell() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-script-\(getpid())")
        try writeFile(file.path, Data("echo from-script \"$1\"\n".utf8), mode: 0o755)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Swclone.run(["--fork", "--", file.path, "arg"])
        #expect(r.status == 0 && r.stdout == "from-script arg\n", "\(r.stderr)")
    }

    @Test func usageErrorsAre64OnOneLine() throws {
        let unknown = try Swclone.run(["--swclone-bogus", "--", "true"])
        expectOneErrorLine(unknown, status: 64, containing: "--swclone-bogus")
        let missing = try Swclone.run(["--wd"])
        expectOneErrorLine(missing, status: 64, containing: "--wd")
        let bad = try Swclone.run(["--mount", "--propagation", "sideways", "true"])
        expectOneErrorLine(bad, status: 64, containing: "--propagation: 'sideways'")
    }

    @Test func failedSetUpStepIs125() throws {
        let proc = try Swclone.run(["--pid", "--mount-proc=/nonexistent-swclone-dir", "--", "true"])
        expectOneErrorLine(
            proc, status: 125, containing: "cannot mount proc on /nonexistent-swclone-dir: No such file or directory (ENOENT)")
        let wd = try Swclone.run(["--fork", "--wd=/nonexistent-swclone-wd", "--", "pwd"])
        expectOneErrorLine(wd, status: 125, containing: "--wd /nonexistent-swclone-wd")
        let root = try Swclone.run(["--root=/nonexistent-swclone-root", "--", "true"])
        expectOneErrorLine(root, status: 125, containing: "--root /nonexistent-swclone-root")
    }

    @Test func unprivilegedNamespaceIsRefusedClearly() throws {
        for mode in [["--net"], ["--net", "--fork"]] {
            let r = try Swclone.run(mode + ["--", "true"], asUser: "65534")
            expectOneErrorLine(r, status: 125, containing: "Operation not permitted (EPERM)")
        }
    }

    @Test func helpAndVersion() throws {
        let help = try Swclone.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("--mount-proc"))
        let version = try Swclone.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("swclone "))
        for shell in ["bash", "zsh", "fish"] {
            // (bash's and fish's scripts keep the option names in a table, without their dashes;
            // CompletionTests type them.)
            let completion = try Swclone.run(["--generate-completion-script", shell])
            #expect(completion.status == 0 && completion.stdout.contains("mount-proc"))
            #expect(completion.stdout.contains(shell == "bash" ? "complete -" : shell == "zsh" ? "#compdef" : "complete -c"))
        }
    }
}
