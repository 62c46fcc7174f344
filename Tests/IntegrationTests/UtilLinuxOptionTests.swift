import Foundation
import Testing

/// util-linux options beyond the core ones: unshare's --owner, nsenter's
/// --net-socket, --user-parent and --follow-context, checked against what
/// the kernel reports.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct UtilLinuxOptionTests {
    /// The owner of a process's user namespace (ioctl NS_GET_OWNER_UID), read from the host.
    func namespaceOwner(_ pid: Int32) throws -> String {
        let script =
            "import fcntl,os,array,sys; fd=os.open(sys.argv[1], os.O_RDONLY); a=array.array('I',[0]); "
            + "fcntl.ioctl(fd, 0xb704, a, True); print(a[0])"
        return try runProgram("/usr/bin/python3", ["-c", script, "/proc/\(pid)/ns/user"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// unshare --owner: the namespace belongs to UID:GID, swclone's own IDs are mapped from outside.
    @Test(arguments: [[], ["--fork"]])
    func owner(mode: [String]) throws {
        let target = try EnterTarget(["--owner", "1000:1001", "--map-root-user"] + mode)
        defer { target.stop() }
        #expect(try namespaceOwner(target.pid) == "1000")
        let status = try String(contentsOfFile: "/proc/\(target.pid)/status", encoding: .utf8)
        #expect(status.contains("Uid:\t1000\t1000\t1000\t1000") && status.contains("Gid:\t1001\t1001\t1001\t1001"))
        let map = try String(contentsOfFile: "/proc/\(target.pid)/uid_map", encoding: .utf8)
        #expect(mapLine(map.trimmingCharacters(in: .newlines)) == "0 0 1")
    }

    @Test func ownerNeedsPrivilegeAndNumbers() throws {
        expectOneErrorLine(
            try Swclone.run(["--owner", "0:0", "--", "true"], asUser: "65534"), status: 125,
            containing: "--owner 0:0: cannot take these IDs to create the user namespace: Operation not permitted (EPERM)")
        expectOneErrorLine(
            try Swclone.run(["--owner", "0:0", "--fork", "--", "true"], asUser: "65534"), status: 125,
            containing: "--owner 0:0: cannot take these IDs to create the user namespace: Operation not permitted (EPERM)")
        expectOneErrorLine(try Swclone.run(["--owner", "root:0", "true"]), status: 64, containing: "--owner root:0: not UID:GID")
    }

    /// nsenter -N: the network namespace of a socket the target holds (util-linux's enter-via-socket test):
    /// a socket made in one network namespace by a process that lives in another.
    @Test func netSocket() throws {
        let namespace = try EnterTarget(["--net", "--fork"])
        defer { namespace.stop() }
        // python makes the socket inside, leaves, and becomes sleep with the socket on descriptor 5.
        let code = """
            import ctypes, os, socket, sys
            setns = ctypes.CDLL(None, use_errno=True).setns
            fd = os.open('/proc/%s/ns/net' % sys.argv[1], os.O_RDONLY)
            home = os.open('/proc/self/ns/net', os.O_RDONLY)
            assert setns(fd, 0x40000000) == 0; s = socket.socket(); assert setns(home, 0x40000000) == 0
            os.dup2(s.fileno(), 5); os.set_inheritable(5, True); os.execvp('sleep', ['sleep', sys.argv[2]])
            """
        let holder = try EnterTarget(["--fork"], prelude: "exec /usr/bin/python3 -c \"$0\" \(namespace.pid) $1", script: code)
        defer { holder.stop() }
        #expect(namespaceLink("net", pid: "\(holder.pid)") == namespaceLink("net"))
        let r = try Swclone.run(["enter", "-t", "\(holder.pid)", "--net-socket", "5", "--", "readlink", "/proc/self/ns/net"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == [namespaceLink("net", pid: "\(namespace.pid)")], "\(r.stderr)")
        expectOneErrorLine(
            try Swclone.run(["enter", "-t", "\(holder.pid)", "-N", "9", "true"]), status: 125,
            containing: "--net-socket 9: process \(holder.pid) has no descriptor 9: Bad file descriptor (EBADF)")
        expectOneErrorLine(
            try Swclone.run(["enter", "-N", "5", "true"]), status: 64, containing: "enter: --net-socket needs --target PID")
    }

    /// --user-parent: the parent of the target's user namespace, here the outer of two nested ones
    /// (the one the inner swclone runs in).
    @Test func userParent() throws {
        let target = try EnterTarget(["--map-root-user", "--fork", "--", Swclone.path, "--map-root-user", "--fork"])
        defer { target.stop() }
        let inner = try runProgram("/usr/bin/pgrep", ["-f", "-n", "\(Swclone.path) --map-root-user --fork --"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let outer = namespaceLink("user", pid: inner)
        #expect(outer != namespaceLink("user", pid: "\(target.pid)") && outer != namespaceLink("user"))
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "--user-parent", "--", "sh", "-c", "readlink /proc/self/ns/user; id -u"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == [outer, "0"])
        // The parent of a namespace in the initial one is swclone's own: nothing to join, as with --all.
        let own = try Swclone.run(["enter", "-t", inner, "--user-parent", "--", "readlink", "/proc/self/ns/user"])
        #expect(own.status == 0 && own.lines == [namespaceLink("user")], "\(own.stderr)")
    }

    /// -S/-G follow: the target's owner as the joined user namespace maps it, as nsenter reads it
    /// (after joining): the target is UID 1000 inside a namespace that maps 0-65535 to 100000-165535.
    @Test func followTheOwnerInsideTheJoinedUserNamespace() throws {
        let target = try EnterTarget([
            "--user", "--map-users=0:100000:65536", "--map-groups=0:100000:65536", "-S", "1000", "-G", "1001", "--fork",
        ])
        defer { target.stop() }
        let r = try Swclone.run(["enter", "-t", "\(target.pid)", "--all", "-S", "follow", "-G", "follow", "--", "sh", "-c", "id -u; id -g"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["1000", "1001"])
        // Without joining its user namespace the host's view stands.
        let host = try Swclone.run(["enter", "-t", "\(target.pid)", "-u", "-S", "follow", "-G", "follow", "--", "sh", "-c", "id -u; id -g"])
        #expect(host.lines == ["101000", "101001"], "\(host.stderr)")
    }

    /// nsenter -Z where SELinux is off: a clear error, not a silent launch.
    @Test func followContextWithoutSELinux() throws {
        let selinux = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))?.contains(" - selinuxfs ") ?? false
        guard !selinux else { return }
        let target = try EnterTarget(["--uts", "--fork"])
        defer { target.stop() }
        expectOneErrorLine(
            try Swclone.run(["enter", "-t", "\(target.pid)", "-u", "-Z", "true"]), status: 125,
            containing: "--follow-context: SELinux is not enabled on this host (no selinuxfs is mounted)")
    }

    @Test(arguments: [["-V"], ["enter", "-V"], ["enter", "--vers"]])
    func version(args: [String]) throws {
        let r = try Swclone.run(args)
        #expect(r.status == 0 && r.lines.first == "swclone 0.1.0", "\(r.stdout) \(r.stderr)")
    }
}
