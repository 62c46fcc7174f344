import Foundation
import Testing

/// bubblewrap's filesystem view against the kernel, as root and as an
/// unprivileged user (who gets a user namespace with its own IDs), and
/// against bwrap itself on the same command lines.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct FilesystemViewTests {
    static let callers: [String?] = [nil, "65534"]

    /// A directory an unprivileged caller may write, removed afterwards.
    func scratchDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-view-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        chmod(dir, 0o777)
        return dir
    }

    /// Mount points of the host's namespace under `path`.
    func hostMounts(under path: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { String($0.split(separator: " ")[4]) }.filter { $0.hasPrefix(path) }
    }

    @Test(arguments: callers)
    func readOnlyMeansEveryMountUnderIt(user: String?) throws {
        let r = try Swclone.run(
            [
                "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", "sh", "-c",
                "touch /usr/swclone-ro-test 2>&1; cat /proc/self/mountinfo",
            ], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first?.hasSuffix("Read-only file system") == true, "\(r.stdout)")
        for line in r.lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 5 else { continue }
            let point = fields[4]
            if point.hasPrefix("/proc") || point.hasPrefix("/dev") || point == "/tmp" { continue }
            #expect(fields[5].split(separator: ",").contains("ro"), "writable in the view: \(line)")
        }
    }

    @Test(arguments: callers)
    func aWritableGrantReachesTheHost(user: String?) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Swclone.run(["--ro-bind", "/", "/", "--bind", dir, dir, "--", "sh", "-c", "echo kept > \(dir)/out"], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try? String(contentsOfFile: "\(dir)/out", encoding: .utf8)) == "kept\n")
    }

    @Test(arguments: callers)
    func aTmpfsIsEmptyAndPrivate(user: String?) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: "\(dir)/secret", contents: Data("s".utf8))
        let r = try Swclone.run(
            ["--ro-bind", "/", "/", "--tmpfs", dir, "--", "sh", "-c", "ls -A \(dir); echo made > \(dir)/inner && cat \(dir)/inner"],
            asUser: user)
        #expect(r.status == 0 && r.lines == ["made"], "\(r.stdout) \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/inner"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/secret"))
    }

    /// A new root shows what was granted and nothing else.
    @Test(arguments: callers)
    func anEmptyRootShowsOnlyWhatWasGranted(user: String?) throws {
        let r = try Swclone.run(
            [
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                "--symlink", "usr/lib64", "/lib64", "--dir", "/work", "--", "/bin/ls", "-A", "/",
            ], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["bin", "lib", "lib64", "usr", "work"])
    }

    @Test(arguments: callers)
    func devIsMinimal(user: String?) throws {
        let r = try Swclone.run(["--ro-bind", "/", "/", "--dev", "/dev", "--", "ls", "-A", "/dev"], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.lines == [
                "core", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero",
            ])
        let pts = try Swclone.run(
            ["--ro-bind", "/", "/", "--dev", "/dev", "--", "sh", "-c", "echo x > /dev/null && grep ' /dev/pts ' /proc/self/mountinfo"],
            asUser: user)
        #expect(pts.status == 0 && pts.stdout.contains("devpts") && pts.stdout.contains("ptmxmode=666"), "\(pts.stdout) \(pts.stderr)")
    }

    @Test(arguments: callers)
    func overlayWritesVanishAtExit(user: String?) throws {
        let name = "swclone-overlay-\(UUID().uuidString)"
        let r = try Swclone.run(
            [
                "--ro-bind", "/", "/", "--overlay-src", "/usr", "--tmp-overlay", "/usr", "--", "sh", "-c",
                "echo installed > /usr/\(name) && cat /usr/\(name) && ls /usr/bin/sh",
            ], asUser: user)
        #expect(r.status == 0 && r.lines == ["installed", "/usr/bin/sh"], "\(r.stdout) \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/usr/\(name)"))
    }

    @Test(arguments: callers)
    func filesDataAndModes(user: String?) throws {
        let r = try runProgram(
            "/bin/sh",
            [
                "-c",
                """
                exec 5<<EOF
                five
                EOF
                exec 6<<EOF
                six
                EOF
                \(user.map { "setpriv --reuid=\($0) --regid=\($0) --clear-groups --inh-caps=-all " } ?? "")"$1" \
                  --ro-bind / / --tmpfs /tmp --file 5 /tmp/f --perms 0640 --ro-bind-data 6 /tmp/d --perms 0700 --dir /tmp/a/b \
                  --symlink /tmp/f /tmp/l --chmod 0600 /tmp/f -- \
                  sh -c 'cat /tmp/l /tmp/d; stat -c "%n %a" /tmp/f /tmp/d /tmp/a/b; echo x > /tmp/d'
                """, "sh", Swclone.path,
            ])
        #expect(r.lines.prefix(5) == ["five", "six", "/tmp/f 600", "/tmp/d 640", "/tmp/a/b 700"], "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("Read-only file system"), "\(r.stderr)")
    }

    /// What cannot be applied fails the launch with one line naming the option and its path, and leaves no mount.
    @Test(arguments: callers)
    func aViewThatCannotBeAppliedFailsWhole(user: String?) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = hostMounts(under: dir)
        let missing = try Swclone.run(["--ro-bind", "\(dir)/none", "/x", "--", "true"], asUser: user)
        expectOneErrorLine(
            missing, status: 125, containing: "--ro-bind \(dir)/none /x: cannot use the source: No such file or directory (ENOENT)")
        let readOnly = try Swclone.run(["--ro-bind", "/", "/", "--dir", "/usr/swclone-new-dir", "--", "true"], asUser: user)
        expectOneErrorLine(
            readOnly, status: 125,
            containing: "--dir /usr/swclone-new-dir: cannot create /usr/swclone-new-dir in the new root: Read-only file system (EROFS)")
        let notMount = try Swclone.run(["--ro-bind", "/", "/", "--remount-ro", "/usr/bin", "--", "true"], asUser: user)
        expectOneErrorLine(
            notMount, status: 125, containing: "--remount-ro /usr/bin: cannot make /usr/bin read-only: it is not a mount point")
        #expect(hostMounts(under: dir) == before)
        #expect(!FileManager.default.fileExists(atPath: "/usr/swclone-new-dir"))
    }

    /// Destinations are resolved inside the new root: a link, absolute or with "..", cannot lead a
    /// mkdir out of it (the operation fails, or creates inside the new root), even as root.
    @Test func linksStayInsideTheNewRoot() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for link in ["/oldroot\(dir)", "../../../../..\(dir)", dir] {
            let r = try Swclone.run(
                ["--tmpfs", "/t", "--symlink", link, "/t/l", "--dir", "/t/l/made", "--ro-bind", "/usr", "/usr", "--", "/usr/bin/true"])
            #expect(r.status == 0 || r.stderr.contains("--dir /t/l/made: cannot create"), "\(r.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "made through \(link)")
        }
    }

    /// Landlock alone, where no mount is possible: a user namespace whose user.max_user_namespaces is 0, no capabilities.
    @Test func landlockAloneConfines() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: "\(dir)/outside", contents: Data("o".utf8))
        try FileManager.default.createDirectory(atPath: "\(dir)/ws", withIntermediateDirectories: false)
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "-U", "-r", "sh", "-c",
                """
                echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "$@"
                """, "sh", Swclone.path, "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--bind", "\(dir)/ws", "\(dir)/ws",
                "--landlock", "--", "sh", "-c",
                "cat \(dir)/outside; echo w > \(dir)/ws/in && cat \(dir)/ws/in; echo e > /etc/swclone-x; ls /root",
            ])
        #expect(r.lines == ["w"], "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("\(dir)/outside: Permission denied"), "\(r.stderr)")
        #expect(r.stderr.contains("/etc/swclone-x: Permission denied"), "\(r.stderr)")
        let refused = try runProgram(
            "/usr/bin/unshare",
            [
                "-U", "-r", "sh", "-c",
                """
                echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --bounding-set=-all "$@"
                """, "sh", Swclone.path, "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--landlock", "--", "true",
            ])
        expectOneErrorLine(refused, status: 125, containing: "--tmpfs /tmp: no mount is possible here")
    }

    @Test func landlockWithTheView() throws {
        let r = try Swclone.run(
            [
                "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dev", "/dev", "--landlock", "--", "sh", "-c",
                "echo t > /tmp/x && cat /tmp/x; echo n > /dev/null && echo dev; grep NoNewPrivs /proc/self/status",
            ], asUser: "65534")
        #expect(r.status == 0 && r.lines == ["t", "dev", "NoNewPrivs:\t1"], "\(r.stdout) \(r.stderr)")
    }

    @Test func disableUserNamespaces() throws {
        let r = try Swclone.run(
            ["--ro-bind", "/", "/", "--disable-userns", "--", "sh", "-c", "unshare -U true 2>/dev/null && echo created || echo refused"],
            asUser: "65534")
        #expect(r.status == 0 && r.lines == ["refused"], "\(r.stdout) \(r.stderr)")
        let assert = try Swclone.run(["--ro-bind", "/", "/", "--assert-userns-disabled", "--", "true"], asUser: "65534")
        expectOneErrorLine(assert, status: 125, containing: "--assert-userns-disabled: the program could still create user namespaces")
    }

    /// The same command lines through Debian's bwrap give the same view (where bwrap has the option).
    @Test(arguments: [
        ["--ro-bind", "/", "/", "--dev", "/dev", "--", "ls", "-A", "/dev"],
        ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dir", "/tmp/a/b", "--", "ls", "-AR", "/tmp"],
        [
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--", "/bin/ls", "-A", "/",
        ],
        ["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--perms", "0700", "--dir", "/tmp/p", "--", "stat", "-c", "%a %F", "/tmp/p"],
        ["--ro-bind", "/", "/", "--proc", "/proc", "--", "sh", "-c", "test -w /proc/sys; echo $?; touch /usr/x 2>/dev/null; echo $?"],
    ])
    func sameAsBubblewrap(args: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else {
            Issue.record("bwrap is not installed (Debian package bubblewrap, installed by make test)")
            return
        }
        for user in Self.callers {
            let ours = try Swclone.run(args, asUser: user)
            let bwrap = try runProgram(
                user == nil ? "/usr/bin/bwrap" : "/usr/bin/setpriv",
                (user.map { ["--reuid=\($0)", "--regid=\($0)", "--clear-groups", "--inh-caps=-all", "/usr/bin/bwrap"] } ?? []) + args)
            #expect(
                ours.status == bwrap.status && ours.stdout == bwrap.stdout,
                "\(args) as \(user ?? "root"): \(ours.stdout) \(ours.stderr) vs bwrap: \(bwrap.stdout) \(bwrap.stderr)")
        }
    }
}
