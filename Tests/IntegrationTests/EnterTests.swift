import Foundation
import Testing

/// `swclone enter`: a running swclone's namespaces joined as nsenter joins
/// them, checked against the namespace links of the target and what the
/// entered program sees.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct EnterTests {
    @Test func allJoinsPIDAndMountAndTheProgramIsInside() throws {
        let target = try EnterTarget(["--pid", "--mount", "--fork", "--mount-proc"])
        defer { target.stop() }
        let r = try Swclone.run([
            "enter", "--target", "\(target.pid)", "--all", "--",
            "sh", "-c", "echo $$; cat /proc/1/comm; readlink /proc/self/ns/pid /proc/self/ns/mnt",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 4 && r.lines[0] != "1" && Int(r.lines[0]) != nil, "\(r.stdout)")
        #expect(r.lines.dropFirst().first == "sleep")
        #expect(r.lines.dropFirst(2).first == namespaceLink("pid", pid: "\(target.pid)"))
        #expect(r.lines.last == namespaceLink("mnt", pid: "\(target.pid)"))
    }

    @Test func utsAndNetByTarget() throws {
        let target = try EnterTarget(["--uts", "--hostname", "enter-uts", "--net", "--fork"])
        defer { target.stop() }
        let r = try Swclone.run([
            "enter", "-t", "\(target.pid)", "-u", "-n", "--",
            "sh", "-c", "hostname; readlink /proc/self/ns/net; ip -o link | wc -l",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["enter-uts", namespaceLink("net", pid: "\(target.pid)"), "1"])
        // Only what was asked: the mount namespace is still swclone's.
        let m = try Swclone.run(["enter", "-t", "\(target.pid)", "-u", "--", "readlink", "/proc/self/ns/mnt"])
        #expect(m.lines == [namespaceLink("mnt")])
    }

    @Test func mountNamespaceShowsTheTargetsMounts() throws {
        let target = try EnterTarget(["--mount", "--fork"], prelude: "mount -t tmpfs swclone-enter-test /mnt")
        defer { target.stop() }
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "-m", "--", "grep", "-c", "swclone-enter-test", "/proc/self/mounts"])
        #expect(r.status == 0 && r.lines == ["1"], "\(r.stdout) \(r.stderr)")
    }

    /// As nobody: its own user namespace can be joined without privilege; the
    /// program is UID 0 there (nsenter's default) and, with --all, the user
    /// namespace it already shares with its own swclone is not an error.
    @Test func unprivilegedUserJoinsItsUserNamespace() throws {
        let target = try EnterTarget(["--user", "--map-root-user", "--uts", "--hostname", "nobody-box", "--fork"], asUser: "65534")
        defer { target.stop() }
        let r = try Swclone.run(
            [
                "enter", "-t", "\(target.pid)", "--all", "--",
                "sh", "-c", "id -u; hostname; readlink /proc/self/ns/user",
            ], asUser: "65534")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["0", "nobody-box", namespaceLink("user", pid: "\(target.pid)")])
        let kept = try Swclone.run(
            [
                "enter", "-t", "\(target.pid)", "-U", "--preserve-credentials", "--keep-caps", "--",
                "sh", "-c", "grep -E 'CapPrm|CapEff' /proc/self/status",
            ], asUser: "65534")
        // The program is UID 0 there and keeps what the user namespace granted: all of it.
        let sets = Dictionary(
            kept.lines.map { ($0.prefix { $0 != ":" }, $0.split(separator: "\t").last.map(String.init) ?? "") },
            uniquingKeysWith: { a, _ in a })
        #expect(kept.status == 0, "\(kept.stderr)")
        let lastCap =
            try Int(String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8).trimmingCharacters(in: .newlines)) ?? 40
        let all = String(format: "%016llx", (UInt64(1) << UInt64(lastCap + 1)) - 1)
        #expect(sets["CapEff"] == all && sets["CapPrm"] == all, "\(kept.stdout)")
    }

    @Test func noForkExecsInPlaceOutsideThePIDNamespace() throws {
        let target = try EnterTarget(["--pid", "--fork"])
        defer { target.stop() }
        let r = try Swclone.run([
            "enter", "-t", "\(target.pid)", "-p", "-F", "--",
            "readlink", "/proc/self/ns/pid", "/proc/self/ns/pid_for_children",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == [namespaceLink("pid"), namespaceLink("pid", pid: "\(target.pid)")])
    }

    @Test func environmentCredentialsAndDirectoriesFromTheTarget() throws {
        let target = try EnterTarget(
            ["--user", "--map-root-user", "--uts", "--fork", "--wd", "/usr"], asUser: "65534",
            environment: ["SWCLONE_ENTER_MARK": "from-target", "PATH": "/usr/bin:/bin"])
        defer { target.stop() }
        let t = "\(target.pid)"
        let r = try Swclone.run([
            "enter", "-t", t, "-u", "-e", "-S", "follow", "-G", "follow", "-w", "--",
            "sh", "-c", "echo $SWCLONE_ENTER_MARK; id -u; id -g; pwd",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["from-target", "65534", "65534", "/usr"])
        let wd = try Swclone.run(["enter", "-t", t, "-u", "--wd=/etc", "pwd"])
        #expect(wd.lines == ["/etc"])
        let wdns = try Swclone.run(["enter", "-t", t, "-u", "-r", "-W", "/var", "pwd"])
        #expect(wdns.lines == ["/var"], "\(wdns.stderr)")
    }

    /// The program starts in the target's cgroup v2 (CLONE_INTO_CGROUP), and
    /// with --no-fork swclone moves itself there before exec.
    @Test func joinCgroup() throws {
        let cgroup = try TestCgroup("enter")
        defer { cgroup.remove() }  // after the target is stopped: defers run last first
        let name = String(cgroup.path.split(separator: "/").last!)
        let target = try EnterTarget(["--uts", "--fork"])
        defer { target.stop() }
        try cgroup.write("\(cgroup.path)/cgroup.procs", "\(target.pid)")
        for extra in [[], ["-F"]] {
            let r = try Swclone.run(
                ["enter", "-t", "\(target.pid)", "-u", "--join-cgroup"] + extra + ["--", "grep", "^0::", "/proc/self/cgroup"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.lines == ["0::/\(name)"], "\(extra)")
        }
    }

    // MARK: errors: one line, 125

    @Test func noSuchProcess() throws {
        let r = try Swclone.run(["enter", "--target", "999999999", "--uts", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--target 999999999: No such process (ESRCH)")
    }

    /// A zombie has a PID and a pidfd but no namespaces: the race of a target
    /// that exits between lookup and join, made reliable.
    @Test func targetExitedBeforeTheJoin() throws {
        let dir = try NamespaceFileDirectory()
        defer { dir.remove() }
        let pidFile = "\(dir.path)/zombie"
        let parent = try EnterTarget([], prelude: "true & echo $! > \(pidFile)")
        defer { parent.stop() }
        let zombie = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        for options in [["--uts"], ["--all"]] {
            let r = try Swclone.run(["enter", "-t", zombie] + options + ["--", "true"])
            expectOneErrorLine(r, status: 125, containing: "the process exited before its namespaces could be joined")
        }
    }

    @Test func namespaceTheCallerMayNotJoin() throws {
        let target = try EnterTarget(["--net", "--fork"])
        defer { target.stop() }
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "-n", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "cannot join its namespaces (net): Operation not permitted (EPERM)")
        // Root is already in the target's user namespace: setns refuses it (EINVAL), --all skips it.
        let u = try Swclone.run(["enter", "-t", "\(target.pid)", "-U", "--", "true"])
        expectOneErrorLine(u, status: 125, containing: "it is already yours")
    }

    @Test func fileThatIsNotANamespace() throws {
        let r = try Swclone.run(["enter", "--uts=/etc/passwd", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--uts=/etc/passwd: not a namespace file")
        let wrong = try Swclone.run(["enter", "--net=/proc/self/ns/uts", "--", "true"])
        expectOneErrorLine(wrong, status: 125, containing: "a uts namespace, not a net one")
        let missing = try Swclone.run(["enter", "-u/nonexistent/uts", "--", "true"])
        expectOneErrorLine(missing, status: 125, containing: "ENOENT")
    }

    @Test func usageErrors() throws {
        for args in [["enter", "true"], ["enter", "--uts", "true"], ["enter", "-t", "1", "-u", "-w", "-W", "/", "true"]] {
            let r = try Swclone.run(args)
            #expect(r.status == 64, "\(args)")
            expectOneErrorLine(r, containing: "--")
        }
        let unknown = try Swclone.run(["enter", "-r", "--bogus"])
        expectOneErrorLine(unknown, status: 64, containing: "--bogus")
        // A program named enter: after --.
        let program = try Swclone.run(["--", "enter"])
        expectOneErrorLine(program, status: 127, containing: "cannot execute enter")
    }
}
