import Foundation
import Testing

/// bubblewrap's vocabulary against the kernel, as root and as an unprivileged user: the defaults a
/// bwrap command line brings, its namespaces, environment and program options, swclone started
/// as `bwrap`, and the same command lines through Debian's bwrap.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct BubblewrapTests {
    static let callers: [String?] = [nil, "65534"]
    static let namespaces = ["cgroup", "ipc", "mnt", "net", "pid", "uts", "user"]
    static let netRaw: UInt64 = 1 << 13

    /// Which of `namespaces` the program, started with `options`, does not share with this test.
    func newNamespaces(_ options: [String], asUser user: String?, sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let links = Self.namespaces.map { "/proc/self/ns/\($0)" }
        let r = try Swclone.run(["--ro-bind", "/", "/", "--proc", "/proc"] + options + ["--", "readlink"] + links, asUser: user)
        #expect(r.status == 0 && r.lines.count == links.count, "\(r.stdout) \(r.stderr)", sourceLocation: sourceLocation)
        return Set(zip(Self.namespaces, r.lines).filter { $0.1 != namespaceLink($0.0) }.map { $0.0 })
    }

    // MARK: the defaults of a bwrap command line

    /// An empty new root even without a view: nothing is granted, so there is nothing to run.
    @Test(arguments: callers)
    func anEmptyRootWithoutAView(user: String?) throws {
        let r = try Swclone.run(["--unshare-uts", "--", "/usr/bin/true"], asUser: user)
        expectOneErrorLine(r, status: 127, containing: "cannot execute /usr/bin/true: No such file or directory (ENOENT)")
        let granted = try runAsBwrap(
            [
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                "--symlink", "usr/lib64", "/lib64", "--", "/bin/ls", "-A", "/",
            ], asUser: user)
        #expect(granted.status == 0 && granted.lines == ["bin", "lib", "lib64", "usr"], "\(granted.stdout) \(granted.stderr)")
    }

    /// no_new_privs, through the name bwrap or one option only bubblewrap has; not for a plain view.
    @Test(arguments: callers)
    func noNewPrivileges(user: String?) throws {
        let probe = ["--", "grep", "NoNewPrivs", "/proc/self/status"]
        #expect(try runAsBwrap(["--ro-bind", "/", "/"] + probe, asUser: user).lines == ["NoNewPrivs:\t1"])
        #expect(try Swclone.run(["--ro-bind", "/", "/", "--unshare-ipc"] + probe, asUser: user).lines == ["NoNewPrivs:\t1"])
        #expect(try Swclone.run(["--ro-bind", "/", "/"] + probe, asUser: user).lines == ["NoNewPrivs:\t0"])
    }

    /// Root keeps what it holds, in a new user namespace too (no more); --cap-drop ALL leaves nothing.
    @Test func capabilitiesAsRoot() throws {
        let probe = ["--", "cat", "/proc/self/status"]
        let kept = CapabilityTests.capSets(try runAsBwrap(["--ro-bind", "/", "/"] + probe).stdout)
        #expect(kept["CapEff"] == CapabilityTests.held && kept["CapPrm"] == CapabilityTests.held && kept["CapAmb"] == 0, "\(kept)")
        let inUserNamespace = CapabilityTests.capSets(try runAsBwrap(["--ro-bind", "/", "/", "--unshare-user"] + probe).stdout)
        #expect(inUserNamespace["CapEff"] == CapabilityTests.held, "as bwrap, the caller's own: \(inUserNamespace)")
        let dropped = CapabilityTests.capSets(try runAsBwrap(["--ro-bind", "/", "/", "--cap-drop", "ALL"] + probe).stdout)
        #expect(dropped["CapEff"] == 0 && dropped["CapPrm"] == 0 && dropped["CapAmb"] == 0, "\(dropped)")
    }

    /// An unprivileged caller keeps nothing but --cap-add's, which is ambient too; all five sets as bwrap's.
    @Test func capabilitiesUnprivileged() throws {
        let probe = ["--", "grep", "^Cap", "/proc/self/status"]
        let none = try Swclone.run(["--ro-bind", "/", "/", "--unshare-user"] + probe, asUser: "65534")
        #expect(["CapInh", "CapPrm", "CapEff", "CapAmb"].allSatisfy { CapabilityTests.capSets(none.stdout)[$0] == 0 }, "\(none.stdout)")
        let args = ["--ro-bind", "/", "/", "--unshare-user", "--cap-add", "CAP_NET_RAW"] + probe
        let raw = try Swclone.run(args, asUser: "65534")
        #expect(
            ["CapInh", "CapPrm", "CapEff", "CapAmb"].allSatisfy { CapabilityTests.capSets(raw.stdout)[$0] == Self.netRaw }, "\(raw.stdout)")
        if let bwrap = try runBubblewrap(args, asUser: "65534") { #expect(raw.stdout == bwrap.stdout, "bwrap: \(bwrap.stdout)") }
    }

    /// PWD names the working directory, even after --clearenv.
    @Test(arguments: callers)
    func pwdAfterClearenv(user: String?) throws {
        let r = try Swclone.run(["--ro-bind", "/", "/", "--chdir", "/usr", "--clearenv", "--", "/usr/bin/env"], asUser: user)
        #expect(r.status == 0 && r.lines == ["PWD=/usr"], "\(r.stdout) \(r.stderr)")
    }

    // MARK: namespaces

    /// --unshare-all: every namespace new (user and cgroup through their -try forms); --share-net keeps the network.
    @Test(arguments: callers)
    func unshareAll(user: String?) throws {
        #expect(try newNamespaces(["--unshare-all"], asUser: user) == Set(Self.namespaces))
        #expect(try newNamespaces(["--unshare-all", "--share-net"], asUser: user) == Set(Self.namespaces).subtracting(["net"]))
    }

    /// The -try forms give the namespace where the host allows it, as it does here.
    @Test(arguments: callers)
    func tryForms(user: String?) throws {
        #expect(try newNamespaces(["--unshare-user-try"], asUser: user).isSuperset(of: ["user", "mnt"]))
        #expect(try newNamespaces(["--unshare-cgroup-try"], asUser: user).contains("cgroup"))
        #expect(
            try newNamespaces(["--unshare-ipc", "--unshare-uts", "--unshare-net"], asUser: user).isSuperset(of: ["ipc", "uts", "net"]))
    }

    /// --unshare-pid: the program is PID 2 under a reaper; --as-pid-1: the program is PID 1.
    @Test(arguments: callers)
    func reaperUnlessAsPID1(user: String?) throws {
        let show = ["--", "sh", "-c", "echo $$ $PPID"]
        let reaped = try Swclone.run(["--ro-bind", "/", "/", "--unshare-pid"] + show, asUser: user)
        #expect(reaped.status == 0 && reaped.lines == ["2 1"], "\(reaped.stdout) \(reaped.stderr)")
        let first = try Swclone.run(["--ro-bind", "/", "/", "--unshare-pid", "--as-pid-1"] + show, asUser: user)
        #expect(first.status == 0 && first.lines == ["1 0"], "\(first.stdout) \(first.stderr)")
    }

    /// --uid and --gid in the new user namespace, mapped to the caller's IDs, setgroups denied.
    @Test(arguments: callers)
    func sandboxIDs(user: String?) throws {
        let r = try Swclone.run(
            [
                "--ro-bind", "/", "/", "--unshare-user", "--uid", "5", "--gid", "6", "--", "sh", "-c",
                "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups",
            ], asUser: user)
        let outer = user ?? "0"
        #expect(r.status == 0 && r.lines.map(mapLine) == ["5", "6", "5 \(outer) 1", "6 \(outer) 1", "deny"], "\(r.stdout) \(r.stderr)")
    }

    // MARK: the program and its environment

    /// --unsetenv, --setenv and --clearenv apply in command-line order.
    @Test func environmentInOrder() throws {
        let caller = ["A": "a", "B": "b", "PATH": "/usr/bin:/bin"]
        let changed = try Swclone.run(
            ["--ro-bind", "/", "/", "--chdir", "/", "--unsetenv", "A", "--setenv", "C", "c", "--setenv", "B", "x", "--", "env"],
            environment: caller)
        let marked = changed.lines.filter { !$0.hasPrefix(ProcessMark.variable + "=") }
        #expect(marked.sorted() == ["B=x", "C=c", "PATH=/usr/bin:/bin", "PWD=/"], "\(changed.stdout) \(changed.stderr)")
        let cleared = try Swclone.run(
            [
                "--ro-bind", "/", "/", "--chdir", "/", "--setenv", "X", "1", "--clearenv", "--setenv", "Y", "2 3", "--unsetenv", "PWD",
                "--", "env",
            ],
            environment: caller)
        #expect(cleared.lines.sorted() == ["PWD=/", "Y=2 3"], "\(cleared.stdout) \(cleared.stderr)")
    }

    /// --argv0 is what the program sees as its name; it is still found by its own.
    @Test(arguments: callers)
    func argv0(user: String?) throws {
        let r = try Swclone.run(["--ro-bind", "/", "/", "--argv0", "right", "--", "sh", "-c", "echo $0"], asUser: user)
        #expect(r.status == 0 && r.lines == ["right"], "\(r.stdout) \(r.stderr)")
    }

    /// A program that cannot be run is named by its own name in the error, not by --argv0's.
    @Test func argv0IsNotTheProgramInErrors() throws {
        let r = try Swclone.run(["--ro-bind", "/", "/", "--argv0", "shown-name", "--", "/nonexistent-swclone-program"])
        expectOneErrorLine(r, status: 127, containing: "cannot execute /nonexistent-swclone-program: No such file or directory")
    }

    /// Several --args descriptors, each read where it stands, as bwrap reads them.
    @Test(arguments: callers)
    func argumentsFromDescriptors(user: String?) throws {
        let line = #"""
            "$1" --args 3 --ro-bind / / --args 4 -- env 3< <(printf '%s\0' --clearenv --setenv A 'one two') \
              4< <(printf '%s\0' --chdir /usr --setenv B '')
            """#
        let ours = try bwrapScript("set -- \"$SW\"\n" + line, asUser: user)
        #expect(ours.status == 0 && ours.lines.sorted() == ["A=one two", "B=", "PWD=/usr"], "\(ours.stdout) \(ours.stderr)")
        let bwrap = try bwrapScript("set -- /usr/bin/bwrap\n" + line, asUser: user)
        #expect(ours.stdout == bwrap.stdout, "bwrap: \(bwrap.stdout) \(bwrap.stderr)")
    }

    /// An empty --args descriptor adds no argument (bwrap reads none from it).
    @Test func emptyArgumentsDescriptor() throws {
        let r = try bwrapScript(#""$SW" --args 3 --ro-bind / / -- echo ran 3</dev/null"#)
        #expect(r.status == 0 && r.lines == ["ran"], "\(r.stdout) \(r.stderr)")
    }

    /// The program is looked for in the PATH it gets (--setenv), inside the new root, as bwrap's execvp does.
    @Test(arguments: callers)
    func programFoundThroughTheSandboxPATH(user: String?) throws {
        let r = try bwrapScript(
            #"""
            mkdir app; printf '#!/bin/sh\necho found in app\n' > app/tool; chmod 755 app/tool
            "$SW" --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
              --ro-bind "$D/app" /app/bin --setenv PATH /app/bin:/usr/bin -- tool
            """#, asUser: user)
        #expect(r.status == 0 && r.lines == ["found in app"], "\(r.stdout) \(r.stderr)")
    }

    /// Two --chdir: the last wins, with bubblewrap's warning; --level-prefix gives it its syslog level.
    @Test func onlyTheLastChdir() throws {
        let args = ["--ro-bind", "/", "/", "--chdir", "/", "--chdir", "/usr", "--", "pwd"]
        let r = try Swclone.run(["--unshare-ipc"] + args)
        #expect(r.status == 0 && r.lines == ["/usr"], "\(r.stdout) \(r.stderr)")
        #expect(r.stderr == "swclone: Only the last --chdir option will take effect\n")
        let leveled = try runAsBwrap(["--level-prefix"] + args)
        #expect(leveled.lines == ["/usr"] && leveled.stderr == "<4>bwrap: Only the last --chdir option will take effect\n")
        if let bwrap = try runBubblewrap(args) {
            #expect(try runAsBwrap(args).stderr == bwrap.stderr)
        }
    }

    // MARK: started as bwrap

    /// bubblewrap's words where its scripts match them, one line starting `bwrap: `, and bubblewrap's
    /// status 1 for each failure of its own (started as swclone, the same failure is swclone's 125).
    @Test(arguments: callers)
    func bubblewrapsWords(user: String?) throws {
        let missing = ["--ro-bind", "/nonexistent-swclone", "/x", "--", "true"]
        expectBwrapLine(
            try runAsBwrap(missing, asUser: user), status: 1,
            "bwrap: Can't find source path /nonexistent-swclone: No such file or directory")
        expectBwrapLine(
            try runAsBwrap(["--level-prefix"] + missing, asUser: user), status: 1,
            "<3>bwrap: Can't find source path /nonexistent-swclone: No such file or directory")
        expectOneErrorLine(
            try Swclone.run(missing, asUser: user), status: 125, containing: "--ro-bind /nonexistent-swclone /x: cannot use the source")
        let link = ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--symlink", "/dev/null", "/tmp/l"]
        let same = try runAsBwrap(link + ["--symlink", "/dev/null", "/tmp/l", "--", "readlink", "/tmp/l"], asUser: user)
        #expect(same.status == 0 && same.lines == ["/dev/null"], "\(same.stdout) \(same.stderr)")
        expectBwrapLine(
            try runAsBwrap(link + ["--symlink", "/dev/full", "/tmp/l", "--", "true"], asUser: user), status: 1,
            "bwrap: Can't make symlink at /tmp/l: existing destination is /dev/null")
        expectBwrapLine(
            try runAsBwrap(["--ro-bind", "/", "/", "--overlay", "/a", "/b", "/usr", "--", "true"], asUser: user), status: 1,
            "bwrap: --overlay requires at least one --overlay-src")
        expectBwrapLine(
            try runAsBwrap(["--ro-bind", "/", "/", "--as-pid-1", "--", "true"], asUser: user), status: 1,
            "bwrap: Specifying --as-pid-1 requires --unshare-pid")
    }

    /// An option bwrap does not have, in bubblewrap's words: scripts probe for options with them.
    @Test func unknownOptionInBubblewrapsWords() throws {
        expectBwrapLine(try runAsBwrap(["--no-such-option", "--", "true"]), status: 1, "bwrap: Unknown option --no-such-option")
    }

    /// The program's own status passes through; a program that cannot run is bubblewrap's failure, 1
    /// (started as swclone, 126 and 127).
    @Test func programStatuses() throws {
        #expect(try runAsBwrap(["--ro-bind", "/", "/", "--", "sh", "-c", "exit 7"]).status == 7)
        #expect(try runAsBwrap(["--ro-bind", "/", "/", "--", "/etc/passwd"]).status == 1)
        #expect(try runAsBwrap(["--ro-bind", "/", "/", "--", "/nonexistent-swclone"]).status == 1)
        #expect(try Swclone.run(["--unshare-pid", "--ro-bind", "/", "/", "--", "/etc/passwd"]).status == 126)
        #expect(try Swclone.run(["--unshare-pid", "--ro-bind", "/", "/", "--", "/nonexistent-swclone"]).status == 127)
    }

    /// bubblewrap's usage line with the name swclone was started by, and its version line.
    @Test func helpAndVersion() throws {
        let r = try bwrapScript(
            #"""
            "$BWRAP" --help | head -n 1; echo "status ${PIPESTATUS[0]}"
            PATH="$D/bin:$PATH" bwrap --help | head -n 1
            "$BWRAP" --version; echo "status $?"
            """#)
        #expect(r.lines.count == 5, "\(r.stdout) \(r.stderr)")
        guard r.lines.count == 5 else { return }
        #expect(r.lines[0].hasPrefix("usage: /") && r.lines[0].hasSuffix("/bin/bwrap [OPTIONS...] [--] COMMAND [ARGS...]"))
        #expect(r.lines[1] == "status 0" && r.lines[2] == "usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]")
        #expect(r.lines[3].hasPrefix("bubblewrap 0.11.1 (swclone ") && r.lines[4] == "status 0", "\(r.stdout)")
    }

    // MARK: bad values

    /// A bad descriptor or value: one line naming the option, exit 64, nothing run.
    @Test(arguments: [
        (["--sync-fd", "abc"], "--sync-fd abc"), (["--block-fd", "-1"], "--block-fd -1"), (["--info-fd", "987"], "--info-fd 987"),
        (["--json-status-fd", "987"], "--json-status-fd 987"), (["--userns", "987"], "--userns 987"), (["--userns2", "x"], "--userns2 x"),
        (["--pidns", "987"], "--pidns 987"), (["--unshare-user", "--info-fd", "2", "--userns-block-fd", "4x"], "--userns-block-fd 4x"),
        (["--args", "987"], "--args 987"), (["--args", "x"], "--args x"), (["--unshare-user", "--uid", "no-such-user-swclone"], "--uid"),
        (["--unshare-user", "--gid", "no-such-group-swclone"], "--gid"), (["--cap-add", "CAP_NOPE"], "--cap-add CAP_NOPE"),
    ])
    func badValue(args: [String], option: String) throws {
        let r = try Swclone.run(args + ["--", "sh", "-c", "echo ran"])
        expectOneErrorLine(r, status: 64, containing: option)
        #expect(r.stdout.isEmpty)
    }

    // MARK: against bwrap

    /// The same command lines through Debian's bwrap: the same output and status.
    @Test(arguments: [
        ["--ro-bind", "/", "/", "--", "grep", "-E", "^Cap|NoNewPrivs", "/proc/self/status"],
        ["--ro-bind", "/", "/", "--cap-drop", "ALL", "--", "grep", "-E", "^Cap(Inh|Prm|Eff|Amb)", "/proc/self/status"],
        [
            "--ro-bind", "/", "/", "--unshare-user", "--uid", "5", "--gid", "6", "--", "sh", "-c",
            "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups",
        ],
        ["--ro-bind", "/", "/", "--unshare-pid", "--", "sh", "-c", "echo $$ $PPID"],
        ["--ro-bind", "/", "/", "--unshare-pid", "--as-pid-1", "--", "sh", "-c", "echo $$ $PPID"],
        [
            "--ro-bind", "/", "/", "--chdir", "/usr", "--unsetenv", "HOME", "--setenv", "A", "1", "--clearenv", "--setenv", "B", "2",
            "--unsetenv", "PWD", "--", "env",
        ],
        ["--ro-bind", "/", "/", "--chdir", "/", "--setenv", "A", "x y", "--unsetenv", "HOME", "--", "sh", "-c", "env | sort"],
        ["--ro-bind", "/", "/", "--unshare-net", "--", "sh", "-c", "ip -o link | cut -d' ' -f2,3"],
        ["--ro-bind", "/", "/", "--unshare-uts", "--hostname", "box", "--", "hostname"],
        ["--ro-bind", "/", "/", "--", "sh", "-c", "exit 7"],
    ])
    func sameAsBubblewrap(args: [String]) throws {
        for user in Self.callers {
            let ours = try runAsBwrap(args, asUser: user)
            guard let bwrap = try runBubblewrap(args, asUser: user) else { return }
            #expect(
                ours.status == bwrap.status && ours.stdout == bwrap.stdout,
                "\(args) as \(user ?? "root"): \(ours.stdout) \(ours.stderr) vs bwrap: \(bwrap.stdout) \(bwrap.stderr)")
        }
    }
}
