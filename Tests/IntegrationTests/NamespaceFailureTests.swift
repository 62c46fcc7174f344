import Foundation
import Testing

/// A namespace that cannot be created says why in its one line, with the
/// fix: each cause this machine can produce, for real. Sysctls are changed
/// only inside user namespaces the test owns (user.max_*_namespaces belong
/// to the user namespace they are read in), and /etc/subuid only under a
/// bind in a private mount namespace.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct NamespaceFailureTests {
    static let nobody = "65534"

    @Test(arguments: [[], ["--fork"]])
    func unprivilegedWithoutAUserNamespace(mode: [String]) throws {
        let r = try Swclone.run(["--mount", "--uts"] + mode + ["--", "true"], asUser: Self.nobody)
        expectOneErrorLine(
            r, status: 125,
            containing: "cannot create namespaces (mount, uts): Operation not permitted (EPERM): new namespaces need "
                + "CAP_SYS_ADMIN unless a new user namespace owns them: as an unprivileged user add -r (--map-root-user) or -U (--user)")
    }

    /// `swclone -r` writes the limit in its own user namespace, where an inner swclone then runs.
    func insideOwnUserNamespace(_ script: String) throws -> Run {
        try Swclone.run(["--map-root-user", "--", "sh", "-c", script, "sh", Swclone.path])
    }

    @Test(arguments: [[], ["--fork"]])
    func maxUserNamespacesIsZero(mode: [String]) throws {
        let r = try insideOwnUserNamespace(
            "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$1\" --user \(mode.joined(separator: " ")) true")
        expectOneErrorLine(
            r, status: 125,
            containing: "cannot create namespaces (user): No space left on device (ENOSPC): user.max_user_namespaces is 0 "
                + "in this user namespace, so no user namespace may be created (as root there: sysctl -w user.max_user_namespaces=N)")
    }

    @Test(arguments: [[], ["--fork"]])
    func maxTimeNamespacesIsZero(mode: [String]) throws {
        let r = try insideOwnUserNamespace(
            "echo 0 > /proc/sys/user/max_time_namespaces && exec \"$1\" --time \(mode.joined(separator: " ")) true")
        expectOneErrorLine(
            r, status: 125, containing: "cannot create a time namespace: No space left on device (ENOSPC): user.max_time_namespaces is 0")
    }

    /// User namespaces nest 32 deep at most: the 33rd level is refused with ENOSPC.
    @Test func nestingDepth() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-nest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("nest").path
        try writeFile(script, Data("#!/bin/sh\nexec \"$1\" --map-root-user -- \"$0\" \"$1\"\n".utf8), mode: 0o755)
        let r = try runProgram(script, [Swclone.path])
        expectOneErrorLine(
            r, status: 125,
            containing: "cannot create namespaces (user): No space left on device (ENOSPC): a limit on namespaces is reached")
        #expect(r.stderr.contains("or the 32 levels user and PID namespaces may be nested"), "\(r.stderr)")
    }

    @Test func anUnmappedUserCannotMakeAnother() throws {
        let r = try Swclone.run(["--user", "--", Swclone.path, "--user", "true"])
        expectOneErrorLine(
            r, status: 125,
            containing: "cannot create namespaces (user): Operation not permitted (EPERM): swclone's user or group ID has "
                + "no mapping in its own user namespace")
    }

    @Test(arguments: [("65534", [String]()), ("65534", ["--fork"]), ("0", ["--user"])])
    func procNeedsAPIDNamespace(user: String, extra: [String]) throws {
        let r = try Swclone.run(["--map-root-user", "--mount-proc"] + extra + ["--", "true"], asUser: user == "0" ? nil : user)
        expectOneErrorLine(
            r, status: 125,
            containing: "cannot mount proc on /proc: Operation not permitted (EPERM): in a user namespace proc is mounted "
                + "only for a new PID namespace it owns: add -p (--pid)")
        // With it, the same launch works.
        let fixed = try Swclone.run(
            ["--map-root-user", "--mount-proc", "--pid"] + extra + ["--", "true"], asUser: user == "0" ? nil : user)
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    /// /etc/subuid without the caller's line (an empty file bound over it in a private mount namespace).
    @Test func noSubordinateBlock() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-subuid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("subuid").path
        try writeFile(empty, Data("someoneelse:100000:65536\n".utf8))
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c", "mount --bind \"$1\" /etc/subuid && exec \"$2\" --map-auto true",
                "sh", empty, Swclone.path,
            ])
        expectOneErrorLine(
            r, status: 125,
            containing: "--map-auto: no entry for user root (0) in /etc/subuid: give the user a block of IDs no one else has "
                + "(as root: usermod --add-subuids FIRST-LAST root), or map one ID with -r or --map-user")
    }
    /// A /proc with a path mounted over it (as Docker masks /proc/kcore, /proc/keys...): a user
    /// namespace gets no new proc, and the line says why, for --mount-proc and a view's --proc.
    @Test(arguments: [["-r", "--pid", "--fork", "--mount-proc"], ["--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc"]])
    func maskedProc(options: [String]) throws {
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind /dev/null /proc/keys && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \"$@\"",
                "sh", Swclone.path,
            ] + options + ["true"])
        expectOneErrorLine(
            r, status: 125,
            containing: "Operation not permitted (EPERM): paths of this /proc are mounted over (/proc/keys...), as container "
                + "runtimes mask them, and a user namespace gets a new proc only where one is wholly visible")
    }
}
