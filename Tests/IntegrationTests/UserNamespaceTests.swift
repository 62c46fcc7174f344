import Foundation
import Testing

/// User namespaces as an unprivileged caller (nobody, no capabilities, through setpriv):
/// the maps the kernel reports from inside, in fork mode and in place.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct UnprivilegedUserNamespaceTests {
    static let nobody = "65534"

    @Test(arguments: [[], ["--fork"]])
    func mapRootUser(mode: [String]) throws {
        let r = try Swclone.run(
            ["--user", "--map-root-user"] + mode + [
                "--", "sh", "-c",
                "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups",
            ],
            asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(mapLine) == ["0", "0", "0 65534 1", "0 65534 1", "deny"])
    }

    /// The command of the issue: every namespace an unprivileged user can have.
    @Test func everyNamespaceWithoutPrivilege() throws {
        let r = try Swclone.run(
            [
                "--user", "--map-root-user", "--pid", "--mount", "--uts", "--ipc", "--net", "--cgroup",
                "--fork", "--mount-proc", "--hostname", "box", "--", "sh", "-c",
                "echo $$; hostname; ls /proc | grep -c '^[0-9]'; grep -c : /proc/net/dev; id -u",
            ],
            asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 5, "\(r.stdout)")
        guard r.lines.count == 5 else { return }
        #expect(r.lines[0] == "1" && r.lines[1] == "box" && r.lines[4] == "0")
        #expect(Int(r.lines[2]) ?? 99 <= 3, "processes in /proc: \(r.lines[2])")
        #expect(r.lines[3] == "1", "interfaces besides lo: \(r.stdout)")
    }

    @Test(arguments: [[], ["--fork"]])
    func timeNamespaceWithoutPrivilege(mode: [String]) throws {
        let r = try Swclone.run(
            ["--user", "--map-root-user", "--time", "--boottime", "86400"] + mode
                + ["--", "cat", "/proc/uptime"], asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        let uptime = Double(r.stdout.split(separator: " ").first ?? "") ?? 0
        #expect(uptime >= 86400, "uptime inside: \(r.stdout)")
    }

    @Test func mapCurrentUser() throws {
        let r = try Swclone.run(
            ["--map-current-user", "--", "sh", "-c", "id -u; id -g; cat /proc/self/setgroups"],
            asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["65534", "65534", "deny"])
    }

    @Test func mapUserAndGroupByName() throws {
        let r = try Swclone.run(
            ["--map-user=root", "--map-group=root", "--fork", "--", "sh", "-c", "id -u; id -g"],
            asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["0", "0"])
    }

    @Test func ownGroupThroughARange() throws {
        // One line with its own GID but no --setgroups: newgidmap maps it and denies setgroups.
        let r = try Swclone.run(
            ["--user", "--map-groups=0:65534:1", "--", "sh", "-c", "id -g; cat /proc/self/setgroups"],
            asUser: Self.nobody)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["0", "deny"])
    }

    @Test func networkWithoutAUserNamespaceIsRefusedClearly() throws {
        let r = try Swclone.run(["--net", "--", "true"], asUser: Self.nobody)
        expectOneErrorLine(r, status: 125, containing: "Operation not permitted (EPERM)")
    }

    @Test(arguments: [[], ["--fork"]])
    func someoneElsesIDIsRefusedByNewuidmap(mode: [String]) throws {
        let r = try Swclone.run(["--map-users=0:0:1"] + mode + ["--", "true"], asUser: Self.nobody)
        expectOneErrorLine(r, status: 125, containing: "newuidmap could not write '0 0 1' to /proc/")
        #expect(r.stderr.contains("/uid_map: newuidmap: uid range [0-1) -> [0-1) not allowed"), "\(r.stderr)")
    }

    @Test func noSubordinateIDs() throws {
        let r = try Swclone.run(["--map-auto", "--", "true"], asUser: Self.nobody)
        expectOneErrorLine(r, status: 125, containing: "--map-auto: no entry for user nobody (65534) in /etc/subuid")
    }
}

/// A privileged caller writes any map itself; in place, through a helper made before unshare.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct PrivilegedMapTests {
    @Test(arguments: [[], ["--fork"]])
    func rangesBothForms(mode: [String]) throws {
        let r = try Swclone.run(
            ["--user", "--map-users=0:100000:65536", "--map-groups=100000,0,65536"] + mode
                + ["--", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; echo PPid: $PPID"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.prefix(2).map(mapLine) == ["0 100000 65536", "0 100000 65536"])
        // In place the program is swclone itself, so its parent is this test.
        let parent = r.lines.last.map(mapLine) ?? ""
        #expect((parent == "PPid: \(getpid())") == mode.isEmpty, "\(parent)")
    }

    @Test func allKeepsEveryIDAndMapsTheCallerToRoot() throws {
        let r = try Swclone.run([
            "--map-users=all", "--map-groups=all", "--map-root-user", "--",
            "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/setgroups",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(mapLine) == ["0", "0 0 1", "1 1 4294967294", "allow"])
    }

    @Test func userAndGroupByNumber() throws {
        let r = try Swclone.run(["--map-user=1234", "--map-group=1235", "--", "sh", "-c", "id -u; id -g; cat /proc/self/setgroups"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["1234", "1235", "deny"])
    }

    /// Root of a user namespace that maps only 0: IDs it does not have are refused by the kernel.
    @Test(arguments: [[], ["--fork"]])
    func refusedWriteNamesTheFile(mode: [String]) throws {
        let r = try runProgram(
            "/usr/bin/unshare",
            ["--user", "--map-root-user", Swclone.path, "--map-users=0:5000:10"]
                + mode + ["--", "true"])
        expectOneErrorLine(r, status: 125, containing: "cannot write '0 5000 10' to /proc/")
        #expect(r.stderr.hasSuffix("/uid_map: Operation not permitted (EPERM)\n"), "\(r.stderr)")
    }
}

/// Ranges through newuidmap/newgidmap, as a user with /etc/subuid and /etc/subgid blocks
/// that exists only in the private mount namespace each run makes (`.temporaryUser`):
/// the host's files are never written, so the tests can run in parallel.
@Suite(.needsRoot, .temporaryUser, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct SubordinateIDRangeTests {
    @Test(arguments: [[], ["--fork"]])
    func mapAuto(mode: [String]) throws {
        let user = try TemporaryUser.required()
        let r = try user.run(["--map-auto"] + mode + ["--", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; echo $PPID"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.prefix(2).map(mapLine) == ["0 \(user.block) 65536", "0 \(user.block) 65536"])
        // In place (through the map helper) the program keeps swclone's PID: its parent is this test
        // (unshare, its shell and setpriv each exec the next, so swclone is this test's child).
        #expect((r.lines.last == "\(getpid())") == mode.isEmpty, "\(r.stdout)")
    }

    @Test(arguments: [[], ["--fork"]])
    func mapAutoWithRoot(mode: [String]) throws {
        let user = try TemporaryUser.required()
        let r = try user.run(
            ["--map-auto", "--map-root-user"] + mode
                + ["--", "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.lines.map(mapLine) == [
                "0", "0 \(user.uid) 1", "1 \(user.block) 65536",
                "0 \(user.gid) 1", "1 \(user.block) 65536",
            ])
    }

    @Test func mapSubidsWithCurrentUser() throws {
        let user = try TemporaryUser.required()
        let r = try user.run(["--map-subids", "--map-current-user", "--", "cat", "/proc/self/uid_map"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(mapLine) == ["\(user.uid) \(user.uid) 1", "\(user.block) \(user.block) 65536"])
    }

    @Test func bothRangeFormsRepeated() throws {
        let user = try TemporaryUser.required()
        let r = try user.run([
            "--map-users=0:\(user.block):10", "--map-users=\(user.block + 100),1000,10",
            "--map-groups=5:\(user.block):1", "--fork", "--", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.map(mapLine) == ["0 \(user.block) 10", "1000 \(user.block + 100) 10", "5 \(user.block) 1"])
    }

    @Test(arguments: [[], ["--fork"]])
    func rangeOutsideTheBlockIsRefused(mode: [String]) throws {
        let user = try TemporaryUser.required()
        let r = try user.run(["--map-users=0:\(user.block + 65536):1"] + mode + ["--", "true"])
        expectOneErrorLine(r, status: 125, containing: "newuidmap could not write '0 \(user.block + 65536) 1' to /proc/")
        #expect(r.stderr.contains("not allowed"), "\(r.stderr)")
    }

    @Test func missingNewuidmap() throws {
        let user = try TemporaryUser.required()
        // Hidden only in the private mount namespace the user exists in.
        let hide = "for f in /usr/bin/newuidmap /usr/bin/newgidmap; do mount --bind /dev/null $f || exit 99; done"
        let r = try user.run(["--map-auto", "--", "true"], setUp: hide)
        #expect(r.status == 125, "\(r.stderr)")
        expectOneErrorLine(r, containing: "newuidmap not found (Debian package uidmap)")
    }

    /// The fixture's own promise: the user is there for swclone and newuidmap inside
    /// its mount namespace, and nowhere on the host.
    @Test func theUserExistsOnlyInsideItsMountNamespace() throws {
        let user = try TemporaryUser.required()
        let inside = try user.run(["--", "sh", "-c", "id -un; id -gn; grep -c '^\(user.name):' /etc/subuid /etc/subgid"])
        #expect(inside.lines == [user.name, user.name, "/etc/subuid:1", "/etc/subgid:1"], "\(inside.stdout) \(inside.stderr)")
        for file in TemporaryUser.files {
            let host = try String(contentsOfFile: "/etc/\(file)", encoding: .utf8)
            #expect(!host.contains("\(user.name):"), "\(user.name) is in the host's /etc/\(file)")
        }
        #expect(try runProgram("/usr/bin/getent", ["passwd", "\(user.uid)"]).status == 2)
    }
}

/// A map line with its padding collapsed: "0 65534 1".
func mapLine(_ line: String) -> String {
    line.split(separator: " ").joined(separator: " ")
}
