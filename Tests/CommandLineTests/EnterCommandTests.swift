import ArgumentParser
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// `swclone enter`: nsenter's option forms and rules, and the launch side's
/// `--NS=FILE` that keeps a namespace.
struct EnterCommandTests {
    func spec(_ args: [String]) throws -> LaunchSpec {
        let parsed = try scanEnter(args)
        return try EnterOptions.makeSpec(parsed, caller: CallerEnvironment(["PATH=/usr/bin:/bin"]))
    }

    func usageError(_ args: [String]) -> SwcloneError? {
        do {
            _ = try spec(args)
            return nil
        } catch let error as SwcloneError {
            return error.status == 64 ? error : nil
        } catch {
            return nil
        }
    }

    @Test func shortFormsTakeAnAttachedFileAsNsenter() throws {
        let s = try spec(["-t1", "-T", "-m/run/ns/mnt", "-u/run/ns/uts", "/bin/true"])
        #expect(s.join?.files == [.mount: "/run/ns/mnt", .uts: "/run/ns/uts"] && s.join?.fromTarget == [.time])
        // As getopt's optional arguments: everything after the letter is its file.
        #expect(try spec(["-Tu/x"]).join?.files == [.time: "u/x"])
        #expect(s.argv == ["/bin/true"])
        // A spaced word is the program, as with nsenter's optional arguments: -u then needs a target.
        let parsed = try scanEnter(["-u", "/run/ns/uts"])
        #expect(parsed.flag(.uts) && parsed.last(.uts) == nil && parsed.program == ["/run/ns/uts"])
        #expect(usageError(["-u", "/run/ns/uts"]) != nil)
    }

    @Test func targetAndFiles() throws {
        let s = try spec(["-t", "42", "--uts", "--net=/run/netns/x", "-p", "--", "sh", "-c", "id"])
        let join = try #require(s.join)
        #expect(join.target == 42 && join.fromTarget == [.uts, .pid] && join.files == [.net: "/run/netns/x"])
        #expect(s.argv == ["sh", "-c", "id"])
        let all = try #require(try spec(["--target=7", "-a"]).join)
        #expect(all.all && all.fromTarget.isEmpty)
    }

    @Test func credentialsAndDirectories() throws {
        let s = try spec(["-t1", "-U", "-S", "follow", "-G5", "-r", "--wd=/tmp", "-e", "-F", "--keep-caps", "--join-cgroup"])
        let join = try #require(s.join)
        #expect(join.followUID && !join.followGID && s.gid == 5 && s.uid == nil)
        #expect(join.root == .target && join.workingDirectory == .path("/tmp"))
        #expect(join.targetEnvironment && join.noFork && s.capabilities?.keepAll == true && join.joinCgroup)
        #expect(try spec(["-t1", "-u", "-r/srv", "-W", "/x"]).join?.root == .path("/srv"))
    }

    @Test(arguments: [
        ["true"], ["--uts", "true"], ["-a"], ["-u/f", "-r"], ["-u/f", "-e"], ["-u/f", "-S", "follow"],
        ["-t", "0", "-u"], ["-t", "x", "-u"], ["-t1", "-u", "-w", "-W", "/x"], ["--uts=", "true"],
    ])
    func nsenterUsageErrors(_ args: [String]) {
        #expect(usageError(args) != nil, "\(args)")
    }

    @Test func launchSideKeepsNamespacesInFiles() throws {
        let parsed = try scanLaunch(["--uts=/run/uts", "--pid=/run/pid", "-n", "true"])
        let s = try LaunchOptions.makeSpec(parsed, caller: CallerEnvironment([]))
        #expect(s.namespaceFiles == [.uts: "/run/uts", .pid: "/run/pid"])
        #expect(s.namespaces == [.uts, .pid, .net])
    }

    /// nsenter's -N, --user-parent and -Z.
    @Test func netSocketUserParentAndFollowContext() throws {
        let socket = try #require(try spec(["-t", "42", "-N", "3", "-n", "true"]).join)
        #expect(socket.netSocket == 3 && !socket.fromTarget.contains(.net))
        let parent = try #require(try spec(["-t", "42", "--user-parent", "-n", "true"]).join)
        #expect(parent.userParent && parent.fromTarget == [.net])
        #expect(try spec(["--user=/run/ns/user", "--user-parent", "true"]).join?.userParent == true)
        #expect(try spec(["-t", "42", "-Z", "-u", "true"]).join?.followContext == true)
        #expect(usageError(["-N", "3", "true"])?.message == "enter: --net-socket needs --target PID")
        #expect(usageError(["--user-parent", "true"])?.message == "enter: --user-parent needs --target PID")
        #expect(usageError(["-Z", "-u/run/ns/uts", "true"])?.message == "enter: --follow-context needs --target PID")
        #expect(usageError(["-t", "42", "-N", "x", "true"])?.message == "--net-socket x: 'x' is not a file descriptor number")
        #expect(usageError(["-t", "42", "--net=/run/ns/net", "-N", "3", "true"]) != nil)
    }
}
