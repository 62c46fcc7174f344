import Foundation
import Testing

/// What the program gets: its arguments, environment, descriptors, identity,
/// directories, and (without --fork) swclone's own PID.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct ProgramContextTests {
    @Test func argumentsAfterTheProgramAreUntouched() throws {
        let r = try Swclone.run(["--fork", "echo", "--pid", "-n", "--"])
        #expect(r.stdout == "--pid -n --\n")
    }

    @Test func withoutForkTheProgramKeepsSwclonesPID() throws {
        let r = try runProgram("/bin/sh", ["-c", "\"$0\" --uts -- sh -c 'echo $$' & wait $!; echo $!", Swclone.path])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0] == lines[1], "\(r.stdout)")
    }

    @Test func defaultProgramIsTheShell() throws {
        let r = try Swclone.run(["--pid"], stdin: "echo $$\n", environment: ["SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0 && r.stdout == "1\n", "\(r.stderr)")
    }

    /// swclone also gets the test's SWCLONE_TEST_MARK (ProcessMark): the program must not,
    /// any more than SW_B, so these are still the exact environments asked for.
    @Test func environmentOptions() throws {
        let env = ["SW_A": "1", "SW_B": "2", "PATH": "/usr/bin:/bin"]
        #expect(try Swclone.run(["--clear-env", "--", "/usr/bin/env"], environment: env).stdout == "")
        #expect(try Swclone.run(["--whitelist-env", "SW_A", "--", "/usr/bin/env"], environment: env).stdout == "SW_A=1\n")
        // The program is still found through swclone's own PATH.
        #expect(try Swclone.run(["--clear-env", "--", "true"], environment: env).status == 0)
    }

    /// The program sees exactly the descriptors it would see run directly: the
    /// inherited ones, none of swclone's own. One shell lists its own and then
    /// runs swclone, so both lists start from the same descriptors (tests
    /// running in parallel open and close descriptors the runner hands on).
    @Test(arguments: [["--pid", "--mount", "--mount-proc"], ["--mount", "--mount-proc"], ["--user", "--map-root-user", "--fork"]])
    func noDescriptorOfSwcloneLeaks(mode: [String]) throws {
        let list = "for f in /proc/self/fd/*; do echo ${f##*/}; done"
        let script = "\(list); echo --; exec \"$0\" \(mode.joined(separator: " ")) -- sh -c '\(list)'"
        let r = try runProgram("/bin/sh", ["-c", script, Swclone.path])
        #expect(r.status == 0, "\(r.stderr)")
        let halves = r.stdout.components(separatedBy: "--\n")
        #expect(halves.count == 2 && halves[0] == halves[1], "\(r.stdout)")
    }

    @Test func inheritedDescriptorsPassThrough() throws {
        let r = try runProgram("/bin/sh", ["-c", "echo fd5-data | \"$0\" --fork -- sh -c 'cat <&5' 5<&0", Swclone.path])
        #expect(r.status == 0 && r.stdout == "fd5-data\n", "\(r.stderr)")
    }

    @Test func identityInside() throws {
        let r = try Swclone.run(["--fork", "-S", "4321", "-G", "4322", "--", "sh", "-c", "id -u; id -g; id -G"])
        #expect(r.lines == ["4321", "4322", "4322"], "\(r.stdout) \(r.stderr)")
    }

    @Test func workingDirectoryAndRoot() throws {
        #expect(try Swclone.run(["--wd=/tmp", "--", "pwd"]).stdout == "/tmp\n")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-root-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let shell = try FileManager.default.destinationOfSymbolicLink(atPath: "/bin/sh")
        let shellPath = shell.hasPrefix("/") ? shell : "/bin/\(shell)"
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try copyFile(shellPath, to: root.appendingPathComponent("bin/sh").path)
        let libs = try runProgram("/usr/bin/ldd", [shellPath]).stdout.matches(of: /(\/[^ ]+)/).map { String($0.1) }
        for lib in libs {
            let target = root.appendingPathComponent(String(lib.dropFirst()))
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try copyFile(lib, to: target.path)
        }
        try "inside-root\n".write(to: root.appendingPathComponent("marker"), atomically: true, encoding: .utf8)
        let r = try runFreshlyWritten(
            Swclone.path, ["--fork", "--root=\(root.path)", "--", "/bin/sh", "-c", "read x </marker; echo $x; pwd"])
        #expect(r.lines == ["inside-root", "/"], "\(r.stdout) \(r.stderr)")
    }
}

/// With no program: $SHELL as a login shell, as util-linux's exec_shell runs it.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct DefaultShellTests {
    @Test(arguments: [[], ["--fork"]])
    func loginShell(mode: [String]) throws {
        let r = try Swclone.run(
            ["--uts"] + mode, stdin: "echo $0; shopt -q login_shell && echo login\n",
            environment: ["SHELL": "/bin/bash", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["-bash", "login"])
    }

    /// A relative $SHELL is relative to the program's working directory, never searched in PATH.
    @Test func relativeShell() throws {
        let env = ["SHELL": "sh", "PATH": "/usr/bin:/bin"]
        let r = try Swclone.run(["--uts", "--wd", "/bin"], stdin: "echo $0\n", environment: env)
        #expect(r.status == 0 && r.lines == ["-sh"], "\(r.stderr)")
        let missing = try Swclone.run(["--uts", "--wd", "/"], stdin: "echo $0\n", environment: env)
        expectOneErrorLine(missing, status: 127, containing: "cannot execute sh: No such file or directory (ENOENT)")
    }

    /// nsenter --env: the target's $SHELL.
    @Test func enterWithTheTargetsEnvironment() throws {
        let target = try EnterTarget(["--uts", "--fork"], environment: ["SHELL": "/bin/bash", "PATH": "/usr/bin:/bin"])
        defer { target.stop() }
        let r = try Swclone.run(
            ["enter", "-t", "\(target.pid)", "-u", "--env"], stdin: "echo $0\n",
            environment: ["SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0 && r.lines == ["-bash"], "\(r.stderr)")
    }
}
