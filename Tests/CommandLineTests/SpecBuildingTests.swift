import Testing

@testable import LaunchSpec
@testable import SwcloneCLI

/// Command line to launch spec: implications, defaults and every bad input
/// of the foundation's options.
struct SpecBuildingTests {
    static let environment = ["PATH=/usr/bin:/bin", "SHELL=/bin/bash", "HOME=/root", "LANG=C"]

    func spec(_ args: [String], environment: [String] = environment) throws -> LaunchSpec {
        let parsed = try scanLaunch(args)
        return try LaunchOptions.makeSpec(parsed, caller: CallerEnvironment(environment))
    }

    func usageError(_ args: [String]) throws -> SwcloneError {
        let error = try #require(throws: SwcloneError.self) { try spec(args) }
        #expect(error.status == 64)
        return error
    }

    @Test func namespaceFlags() throws {
        let s = try spec(["-pmuinUCT", "true"])
        #expect(s.namespaces == Set(Namespace.allCases))
    }

    /// Whether a child is made is the plan's decision (LaunchPlanTests); the spec records --fork.
    @Test func forkIsRecorded() throws {
        #expect(try spec(["-f", "true"]).forkRequested)
        #expect(try !spec(["--pid", "true"]).forkRequested)
    }

    @Test func implications() throws {
        let s = try spec(["--hostname", "box", "--mount-proc", "--boottime", "86400", "--map-root-user", "true"])
        #expect(s.namespaces == [.uts, .mount, .time, .user])
        #expect(s.hostname == "box" && s.procMountPoint == "/proc")
        #expect(s.timeOffsetsText == "boottime 86400 0\n")
        #expect(s.userNamespace?.setgroupsText == "deny")
        #expect(s.userNamespace?.uidMap.first?.inner == 0)
    }

    @Test func timeOffsetsBoth() throws {
        let s = try spec(["--monotonic=-5", "--boottime", "10", "true"])
        #expect(s.timeOffsetsText == "monotonic -5 0\nboottime 10 0\n")
    }

    @Test func mountProcDirAndPropagation() throws {
        let s = try spec(["--mount-proc=/mnt/proc", "--propagation", "slave", "true"])
        #expect(s.procMountPoint == "/mnt/proc" && s.rootPropagation == .slave)
        #expect(try spec(["--mount", "--propagation", "unchanged", "true"]).rootPropagation == nil)
        #expect(try spec(["--mount", "true"]).rootPropagation == .private)
    }

    /// util-linux's exec_shell: a login shell (argv[0] "-NAME"), the path as it is, no PATH search.
    @Test func defaultProgramIsTheShellAsALoginShell() throws {
        let bash = try spec([])
        #expect(bash.argv == ["-bash"] && bash.executableCandidates == ["/bin/bash"] && bash.runsShell)
        let sh = try spec([], environment: ["PATH=/bin"])
        #expect(sh.argv == ["-sh"] && sh.executableCandidates == ["/bin/sh"])
        #expect(try spec([], environment: ["SHELL="]).executableCandidates == ["/bin/sh"])
        // A relative SHELL is relative to the program's working directory, as execl(3) takes it.
        let relative = try spec([], environment: ["SHELL=bash", "PATH=/usr/bin:/bin"])
        #expect(relative.argv == ["-bash"] && relative.executableCandidates == ["bash"])
        #expect(try spec(["sh"]).argv == ["sh"] && !(try spec(["sh"]).runsShell))
    }

    @Test func programIsSearchedInTheCallersPath() throws {
        #expect(try spec(["ls"]).executableCandidates == ["/usr/bin/ls", "/bin/ls"])
        #expect(try spec(["./x"]).executableCandidates == ["./x"])
        #expect(executableCandidates(for: "ls", searchPath: ":/bin/") == ["ls", "/bin/ls"])
    }

    @Test func environmentOptions() throws {
        #expect(try spec(["--clear-env", "env"]).environment == [])
        #expect(try spec(["--whitelist-env", "HOME,LANG", "env"]).environment == ["HOME=/root", "LANG=C"])
        #expect(
            try spec(["--whitelist-env", "HOME", "--whitelist-env", "PATH", "env"]).environment
                == ["PATH=/usr/bin:/bin", "HOME=/root"])
        #expect(try spec(["env"]).environment == nil)  // the caller's own, passed on unchanged
    }

    @Test func identity() throws {
        let s = try spec(["-S", "0", "--setgid=root", "true"])
        #expect(s.uid == 0 && s.gid == 0)
    }

    @Test func rootAndWorkingDirectory() throws {
        let s = try spec(["-R", "/srv/root", "--wd=/tmp", "true"])
        #expect(s.root == "/srv/root" && s.workingDirectory == "/tmp")
    }

    // Every bad input of the foundation's options: exit 64, naming the option and the value.
    @Test(arguments: [
        (["--propagation", "sideways", "true"], "--propagation: 'sideways'"),
        (["--monotonic", "soon", "true"], "--monotonic: 'soon'"),
        (["--boottime", "99999999999999999999", "true"], "--boottime"),
        (["--hostname", "", "true"], "--hostname"),
        (["--hostname", String(repeating: "h", count: 65), "true"], "--hostname"),
        (["--mount-proc=", "true"], "--mount-proc"),
        (["--wd", "", "true"], "--wd"),
        (["--root=", "true"], "--root"),
        (["--setuid", "no-such-user-swclone", "true"], "no such user 'no-such-user-swclone'"),
        (["--setgid", "no-such-group-swclone", "true"], "no such group 'no-such-group-swclone'"),
        (["--setuid", "4294967295", "true"], "--setuid"),
        (["--propagation", "shared", "--mount-proc", "true"], "--mount-proc with --propagation shared"),
        (["--", ""], "program name is empty"),
    ])
    func badInput(args: [String], fragment: String) throws {
        let error = try usageError(args)
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test func namespaceFilesOnlyWithEquals() throws {
        let kept = try spec(["--uts=/run/uts", "--mount", "/x"])
        #expect(kept.namespaces == [.uts, .mount] && kept.namespaceFiles == [.uts: "/run/uts"])
        #expect(kept.argv == ["/x"])
    }
}

/// getent's answer, as the static build reads it for a name /etc/passwd lacks.
struct GetentAnswerTests {
    @Test func theThirdFieldOfTheNamedLine() {
        #expect(parseGetentID("alice:x:1000:1000:Alice:/home/alice:/bin/bash\n", name: "alice") == 1000)
        #expect(parseGetentID("staff:*:50:alice,bob\n", name: "staff") == 50)
        #expect(parseGetentID("alicia:x:1001:1001::/:/bin/sh\n", name: "alice") == nil)
        #expect(parseGetentID("alice:x:notanumber:0::/:/bin/sh\n", name: "alice") == nil)
        #expect(parseGetentID("", name: "alice") == nil)
        // By ID, for the caller's own name (/etc/subuid lines may give it).
        #expect(parseGetentName(uid: 1000)("alice:x:1000:1000:Alice:/home/alice:/bin/bash\n") == "alice")
        #expect(parseGetentName(uid: 1000)("bob:x:10000:10000::/:/bin/sh\n") == nil)
    }

    /// A name the user database lacks stays an error (getent finds nothing either).
    @Test func unknownNamesStayUnknown() {
        #expect(throws: SwcloneError.usage("--setuid: no such user 'swclone-no-such-user'")) {
            try lookUpUser("swclone-no-such-user", option: "--setuid")
        }
        #expect(getentID("passwd", "root") == 0)
    }
}
