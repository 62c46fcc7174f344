import Foundation
import Testing

/// What a review found by breaking swclone: the host, the caller and the
/// child survive kills, a foreign /proc and hostile input.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct FailSafeTests {
    /// A shared / (systemd's default) must not carry the new proc to the caller's /proc.
    @Test func unchangedPropagationKeepsTheCallersProc() throws {
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "sh", "-c",
                """
                mount --make-rshared / && "$1" --mount --pid --fork --propagation unchanged --mount-proc -- true; echo "rc=$?"
                ls /proc | grep -c '^[0-9]'
                """, "sh", Swclone.path,
            ])
        #expect(r.lines.first == "rc=0", "\(r.stderr)")
        #expect((Int(r.lines.last ?? "") ?? 0) > 2, "the caller's /proc lost its processes: \(r.stdout)")
    }

    /// swclone killed while its child waits for it (here: for the bind of --net=FILE, made slow
    /// with strace): the child must not wait forever, with or without --kill-child.
    @Test(arguments: [["--kill-child"], []])
    func aKilledLauncherLeavesNoWaitingChild(extra: [String]) throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        // Assembled by the shell: its own command line must not hold the marker pgrep looks for.
        let number = Int.random(in: 100_000...999_999)
        let marker = "$n.5"
        let r = try cleanShell(
            """
            n=\(number)
            : >"\(dir.path)/net"
            strace -f -o /dev/null -e trace=mount -e inject=mount:delay_enter=1500000 \
              "$SW" --fork \(extra.joined(separator: " ")) --net="\(dir.path)/net" -- sleep \(marker) >/dev/null 2>&1 &
            st=$!
            # swclone by its command line: strace also forks short-lived children of its own to probe ptrace.
            until sw=$(pgrep -P $st -f "^$SW "); do sleep 0.05; done
            sleep 0.5; kill -KILL $sw; sleep 0.2; kill -KILL $st; wait $st 2>/dev/null; sleep 1
            for p in $(pgrep -f "sleep \(marker)"); do echo "left $p: $(tr '\\0' ' ' </proc/$p/cmdline)"; kill -KILL $p; done
            umount "\(dir.path)/net" 2>/dev/null && echo "bound"
            echo done
            """)
        #expect(r.lines == ["done"], "\(r.stdout) \(r.stderr)")
    }

    /// A mount namespace whose /proc is gone (or another PID namespace's): the static runtime
    /// used to abort before main, and the arguments read from /proc were empty.
    @Test func runsWithoutProc() throws {
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "-m", "sh", "-c",
                "umount -l /proc && \"$1\" --version && \"$1\" --uts --hostname inner hostname",
                "sh", Swclone.path,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.last == "inner", "\(r.stdout)")
    }

    /// /proc of another PID namespace: swclone's PID numbers name other processes there, so
    /// what needs /proc/PID is refused rather than done to the wrong process.
    @Test func aForeignProcIsRefused() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let file = "\(dir.path)/net"
        FileManager.default.createFile(atPath: file, contents: nil)
        let r = try runProgram("/usr/bin/unshare", ["--pid", "--fork", Swclone.path, "--fork", "--net=\(file)", "--", "true"])
        _ = umount(file)
        expectOneErrorLine(r, status: 125, containing: "--net=\(file) needs /proc, and this /proc belongs to another PID namespace")
        // What needs no /proc/PID still works there.
        let plain = try runProgram("/usr/bin/unshare", ["--pid", "--fork", Swclone.path, "--uts", "--hostname", "x", "hostname"])
        #expect(plain.lines == ["x"], "\(plain.stderr)")
    }

    /// Every command an interactive shell starts leads its process group, where setsid(2) fails: as setsid(1).
    @Test func newSessionAsAGroupLeader() throws {
        let r = try runProgram(
            "/usr/bin/setsid",
            [
                "-w", Swclone.path, "--new-session", "--", "sh", "-c",
                "[ \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ ] && echo leader",
            ])
        #expect(r.status == 0 && r.lines == ["leader"], "\(r.stdout) \(r.stderr)")
    }

    /// A launch that fails after binding --NS=FILE takes the bind away, in place and forked.
    @Test(arguments: [[], ["--fork"]])
    func aFailedLaunchUnbindsTheFile(mode: [String]) throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let file = "\(dir.path)/net"
        FileManager.default.createFile(atPath: file, contents: nil)
        let r = try Swclone.run(mode + ["--net=\(file)", "-w", "/nonexistent-\(getpid())", "--", "true"])
        let bound = umount(file) == 0
        expectOneErrorLine(r, status: 125, containing: "--wd /nonexistent-")
        #expect(!bound, "the namespace stayed bound on \(file)")
    }

    /// A fatal signal in the child before exec is a set-up failure, not the program's death.
    @Test func aSignalDuringSetUpIsASetUpFailure() throws {
        let r = try runProgram(
            "/usr/bin/strace",
            [
                "-f", "-o", "/dev/null", "-e", "trace=sethostname",
                "-e", "inject=sethostname:signal=SIGSEGV",
                Swclone.path, "--fork", "--uts", "--hostname", "box", "--", "true",
            ])
        expectOneErrorLine(r, status: 125, containing: "the child was killed by SIGSEGV while setting up")
    }

    /// A planted link must not redirect root's bind mount.
    @Test func aKeptFileThatIsASymbolicLinkIsRefused() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let victim = "\(dir.path)/victim", link = "\(dir.path)/link"
        FileManager.default.createFile(atPath: victim, contents: nil)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        let r = try Swclone.run(["--net=\(link)", "--", "true"])
        let bound = umount(victim) == 0
        expectOneErrorLine(r, status: 125, containing: "--net=\(link): a symbolic link")
        #expect(!bound)
    }

    @Test func errorLinesAreBoundedAndEscaped() throws {
        let value = "\u{1b}[2Kx" + String(repeating: "a", count: 100_000)
        let r = try Swclone.run(["--setuid", value, "--", "true"])
        expectOneErrorLine(r, status: 64, containing: "--setuid: no such user '\\x1b[2Kx")
        #expect(!r.stderr.contains("\u{1b}") && r.stderr.utf8.count <= 1000, "\(r.stderr.utf8.count) bytes")
    }

    /// A bad line of /etc/subuid is the system's fault (125), not the command line's (64).
    @Test func aBadSubuidBlockIsASetUpFailure() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        try writeFile("\(dir.path)/subuid", Data("nobody:4294967000:1000\n".utf8))
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "-m", "sh", "-c",
                """
                mount --bind "$1" /etc/subuid && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$2" --map-auto -- true
                """, "sh", "\(dir.path)/subuid", Swclone.path,
            ])
        expectOneErrorLine(r, status: 125, containing: "--map-auto: the block 4294967000:1000 in /etc/subuid runs past the last ID")
    }

    /// As unshare: without a user namespace --keep-caps keeps nothing and is no failure.
    @Test func keepCapsUnprivilegedWithoutAUserNamespace() throws {
        let r = try Swclone.run(["--keep-caps", "--", "true"], asUser: "65534")
        #expect(r.status == 0, "\(r.stderr)")
    }
}

/// newgidmap denies setgroups(2) when it writes a map of the caller's own group alone (shadow's
/// fix for CVE-2018-7169); --setgroups allow then is read back and refused, not silently different.
@Suite(.needsRoot, .temporaryUser, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct SetgroupsReadBackTests {
    @Test(arguments: [[], ["--fork"]])
    func setgroupsAllowThatNewgidmapDeniesIsReported(mode: [String]) throws {
        let user = try TemporaryUser.required()
        let r = try user.run(
            ["--map-users=0:\(user.uid):1", "--map-groups=0:\(user.gid):1", "--setgroups", "allow"] + mode
                + ["--", "cat", "/proc/self/setgroups"])
        expectOneErrorLine(r, status: 125, containing: "--setgroups allow: setgroups(2) is still denied")
    }
}

/// A temporary directory on a private mount of its own, so that binds made on files in it
/// never propagate to or from the host's mounts.
struct PrivateDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-private-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount(path, path, nil, UInt(MS_BIND), nil) == 0, mount(nil, path, nil, UInt(MS_PRIVATE), nil) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func remove() {
        _ = umount2(path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: path)
    }
}
