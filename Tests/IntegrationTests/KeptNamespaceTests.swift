import Foundation
import Testing

/// `--NS=FILE` on the launch side: the namespace is bind-mounted on FILE and
/// outlives its program, nsenter(1) and `swclone enter` join it later, and
/// `umount FILE` releases it. Every FILE is in a temporary directory and
/// unmounted whatever happens.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct KeptNamespaceTests {
    @Test func utsKeptJoinedLaterAndReleased() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let uts = dir.file("uts")
        let r = try Swclone.run(["--uts=\(uts)", "--hostname", "kept-uts", "--fork", "--", "true"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(dir.isMounted(uts))
        #expect(try runProgram("/usr/bin/nsenter", ["--uts=\(uts)", "hostname"]).lines == ["kept-uts"])
        #expect(try Swclone.run(["enter", "--uts=\(uts)", "hostname"]).lines == ["kept-uts"])
        #expect(umount(uts) == 0)
        let after = try Swclone.run(["enter", "--uts=\(uts)", "hostname"])
        expectOneErrorLine(after, status: 125, containing: "not a namespace file")
    }

    /// In place (no fork) a helper forked before unshare makes the binds.
    @Test func inPlaceKeepsThemToo() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let uts = dir.file("uts"), net = dir.file("net"), ipc = dir.file("ipc")
        let r = try Swclone.run([
            "--uts=\(uts)", "--net=\(net)", "--ipc=\(ipc)", "--hostname", "in-place", "--",
            "sh", "-c", "readlink /proc/$$/ns/net",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let joined = try Swclone.run([
            "enter", "--net=\(net)", "-u\(uts)", "--ipc=\(ipc)", "--", "sh", "-c", "hostname; readlink /proc/self/ns/net",
        ])
        #expect(joined.lines == ["in-place", r.lines.first ?? "?"], "\(joined.stderr)")
        #expect(try runProgram("/usr/bin/nsenter", ["--net=\(net)", "ip", "-o", "link"]).lines.count == 1)
    }

    /// Every kind at once; the user namespace owns the others, and the mount
    /// namespace's FILE is on / (private here).
    @Test func allEightKinds() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let kinds = ["pid", "mount", "uts", "ipc", "net", "user", "cgroup", "time"]
        let files = Dictionary(uniqueKeysWithValues: kinds.map { ($0, dir.file($0)) })
        let r = try Swclone.run(
            kinds.map { "--\($0)=\(files[$0]!)" } + [
                "--map-root-user", "--fork", "--",
                "sh", "-c", "for n in pid mnt uts ipc net user cgroup time; do readlink /proc/self/ns/$n; done",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        for kind in kinds { #expect(dir.isMounted(files[kind]!), "\(kind) not kept") }
        // The namespaces the program had, joined through the files (the PID one has lost its init).
        let joined = try Swclone.run(
            ["enter"] + kinds.filter { $0 != "pid" }.map { "--\($0)=\(files[$0]!)" } + [
                "--",
                "sh", "-c", "for n in mnt uts ipc net user cgroup time; do readlink /proc/self/ns/$n; done",
            ])
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(joined.lines == Array(r.lines.dropFirst()))
    }

    /// A kept PID namespace: joinable while its init lives; afterwards the
    /// kernel refuses new processes in it, and swclone says why.
    @Test func pidNamespaceKeptWithAndWithoutItsInit() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let pid = dir.file("pid")
        let target = try EnterTarget(["--pid=\(pid)", "--fork"])
        let r = try Swclone.run(["enter", "--pid=\(pid)", "--", "readlink", "/proc/self/ns/pid"])
        #expect(r.lines == [namespaceLink("pid", pid: "\(target.pid)")], "\(r.stderr)")
        target.stop()
        let dead = try Swclone.run(["enter", "--pid=\(pid)", "--", "true"])
        expectOneErrorLine(dead, status: 125, containing: "its init has exited")
    }

    /// A mount namespace's FILE on a shared mount would propagate into the
    /// namespace itself: refused with the fix named. Done inside a private
    /// mount namespace so the host's mounts are never touched.
    @Test func mountNamespaceFileOnASharedMountIsRefused() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let shared = "\(dir.path)/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        let script =
            "mount -t tmpfs swclone-shared \(shared) && mount --make-shared \(shared) && touch \(shared)/mnt"
            + " && exec \(Swclone.path) --mount=\(shared)/mnt -- true"
        let r = try Swclone.run(["--mount", "--", "sh", "-c", script])
        expectOneErrorLine(r, status: 125, containing: "is a shared mount")
        #expect(r.stderr.contains("mount --make-private"))
    }

    /// Found by `make faults`: in place, swclone killed after the helper bound the namespaces and
    /// before its exec left them bound for a program that never ran: while swclone waited for the
    /// helper's answer (the helper died of SIGPIPE answering), and during the set-up steps after
    /// it (the helper took end-of-file for the exec). strace holds or kills swclone right there.
    @Test func inPlaceKilledBeforeExecLeavesNothingBound() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let stepping = dir.file("stepping"), answering = dir.file("answering")
        let r = try cleanShell(
            """
            bound() { grep -q " $1 " /proc/self/mountinfo; }
            gone() { i=0; while bound "$1" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; bound "$1" && echo "$2 bound" || echo "$2 free"; }
            # Killed at its hostname step, after the binds.
            strace -f -qq -o /dev/null -e inject=sethostname:signal=KILL "$SW" --net=\(stepping) --hostname k -- true
            gone \(stepping) stepping
            # Killed while the helper, held after its bind, has not answered yet.
            strace -f -qq -o /dev/null -e inject=mount:delay_exit=2000000 "$SW" --net=\(answering) -- true &
            s=$!; i=0; until bound \(answering) || [ $i -ge 200 ]; do sleep 0.01; i=$((i + 1)); done
            pkill -KILL -P $s -x swclone; wait $s
            gone \(answering) answering
            """)
        #expect(r.lines == ["stepping free", "answering free"], "\(r.stdout) \(r.stderr)")
    }

    /// A launch that fails after the binds takes them back, in place too (the program is not found).
    @Test func inPlaceFailureAfterTheBindsTakesThemBack() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let net = dir.file("net")
        let r = try Swclone.run(["--net=\(net)", "--", "/nonexistent/swclone-program"])
        #expect(r.status == 127, "\(r.stderr)")
        #expect(!dir.isMounted(net))
    }

    @Test func missingFileOrEmptyName() throws {
        let r = try Swclone.run(["--uts=/nonexistent/swclone-uts", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--uts=/nonexistent/swclone-uts: No such file or directory (ENOENT)")
        let empty = try Swclone.run(["--uts=", "--", "true"])
        expectOneErrorLine(empty, status: 64, containing: "--uts=")
    }
}
