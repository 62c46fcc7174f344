import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// bubblewrap's options and the defaults a bwrap command line brings.
struct BwrapOptionTests {
    static let root = geteuid() == 0
    static let known = CapabilitySet.all(count: knownCapabilityCount())

    @Test func anUnshareCommandLineKeepsSwclonesMeaning() throws {
        let s = try launchSpec(["--pid", "--fork", "true"])
        #expect(!s.bwrap.defaults && !s.noNewPrivileges && !s.runsInit && s.capabilities == nil)
    }

    /// One option only bubblewrap has, or the name bwrap, makes it a bwrap command line.
    @Test func bubblewrapsDefaults() throws {
        for s in [try launchSpec(["--unshare-pid", "true"]), try launchSpec(["--bind", "/", "/", "true"], asBwrap: true)] {
            #expect(s.bwrap.defaults && s.noNewPrivileges)
        }
        let s = try launchSpec(["--unshare-pid", "true"])
        #expect(s.namespaces == [.pid] && s.runsInit)
        #expect(try launchSpec(["--unshare-pid", "--as-pid-1", "true"]).runsInit == false)
    }

    @Test func unshareAll() throws {
        let s = try launchSpec(["--unshare-all", "true"])
        #expect(s.namespaces == [.ipc, .pid, .net, .uts] && s.bwrap.userTry && s.bwrap.cgroupTry)
        #expect(try launchSpec(["--unshare-all", "--share-net", "true"]).namespaces == [.ipc, .pid, .uts])
    }

    @Test func theSandboxIDs() throws {
        let s = try launchSpec(["--unshare-user", "--uid", "5", "--gid", "6", "true"])
        #expect(s.namespaces.contains(.user))
        #expect(s.userNamespace?.uidMap == [IDMapEntry(inner: 5, outer: geteuid(), count: 1)])
        #expect(s.userNamespace?.gidMap == [IDMapEntry(inner: 6, outer: getegid(), count: 1)])
        #expect(s.userNamespace?.denySetgroups == true)
    }

    /// --clearenv, --setenv and --unsetenv apply in command-line order.
    @Test func theEnvironment() throws {
        let caller = ["A=1", "B=2", "PATH=/usr/bin:/bin"]
        let s = try launchSpec(["--unsetenv", "A", "--setenv", "B", "3", "--setenv", "C", "x y", "true"], environment: caller)
        #expect(s.environment == ["PATH=/usr/bin:/bin", "B=3", "C=x y"])
        let cleared = try launchSpec(["--setenv", "B", "3", "--clearenv", "--setenv", "D", "4", "true"], environment: caller)
        #expect(cleared.environment == ["D=4"])
    }

    @Test func supervision() throws {
        let s = try launchSpec(["--die-with-parent", "--argv0", "name", "--json-status-fd", "2", "--lock-file", "/run/l", "true"])
        #expect(s.bwrap.dieWithParent && s.killChildSignal == SIGKILL)
        #expect(s.bwrap.argv0 == "name" && s.jsonStatusFD == 2 && s.bwrap.lockFiles == ["/run/l"])
        let fds = try launchSpec(["--sync-fd", "2", "--block-fd", "1", "--info-fd", "2", "--userns", "0", "--pidns", "1", "true"])
        #expect(fds.bwrap.syncFD == 2 && fds.bwrap.blockFD == 1 && fds.bwrap.infoFD == 2)
        #expect(fds.bwrap.userNamespaceFD == 0 && fds.bwrap.pidNamespaceFD == 1)
    }

    /// As bubblewrap: root keeps every capability unless told otherwise; anyone else none but
    /// --cap-add's; what is kept is inheritable and ambient too.
    @Test func capabilities() throws {
        let plain = try launchSpec(["--unshare-user", "true"])
        #expect(plain.capabilities == (Self.root ? nil : CapabilityRequest(drop: Self.known, keepAll: true)))
        let raw = CapabilitySet([13])
        let added = try launchSpec(["--unshare-user", "--cap-drop", "ALL", "--cap-add", "CAP_NET_RAW", "true"])
        #expect(added.capabilities == CapabilityRequest(drop: Self.known.subtracting(raw), add: raw, keepAll: true))
        let dropped = try launchSpec(["--unshare-user", "--cap-add", "CAP_NET_RAW", "--cap-drop", "ALL", "true"])
        #expect(dropped.capabilities == CapabilityRequest(drop: Self.known, keepAll: true))
        let kill = CapabilitySet([5])
        let lessKill = try launchSpec(["--unshare-user", "--cap-drop", "CAP_KILL", "true"])
        #expect(lessKill.capabilities?.drop == (Self.root ? kill : Self.known))
    }

    /// --args FD: NUL-separated words, taken where --args stands.
    @Test func argumentsFromADescriptor() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let words = "--unshare-pid\0--setenv\0A\0b c\0"
        #expect(write(fds[1], words, words.utf8.count) == words.utf8.count)
        close(fds[1])
        let s = try launchSpec(["--args", String(fds[0]), "true"])
        #expect(s.namespaces == [.pid] && s.environment?.last == "A=b c")
    }

    /// An empty --args descriptor adds nothing; one cannot hold --args itself (bubblewrap's rule).
    @Test func argumentsFromDescriptorsEdges() throws {
        func descriptor(_ text: String) -> Int32 {
            var fds: [Int32] = [0, 0]
            _ = pipe(&fds)
            _ = write(fds[1], text, text.utf8.count)
            close(fds[1])
            return fds[0]
        }
        #expect(try launchSpec(["--args", String(descriptor("")), "true"]).argv == ["true"])
        let nested = usageError { try launchSpec(["--args", String(descriptor("--args\u{0}7\u{0}")), "true"]) }
        #expect(nested?.bwrapMessage == "--args not supported in arguments file")
        #expect(nested?.message.hasPrefix("--args 7: ") == true)
    }

    /// As execvp(3) in the program's environment: --setenv PATH decides where the program is found.
    @Test func theProgramIsFoundThroughItsOwnPATH() throws {
        let s = try launchSpec(["--setenv", "PATH", "/app/bin:/usr/bin", "tool"], environment: ["PATH=/bin"])
        #expect(s.executableCandidates == ["/app/bin/tool", "/usr/bin/tool"])
        #expect(try launchSpec(["--unshare-pid", "tool"], environment: ["PATH=/bin"]).executableCandidates == ["/bin/tool"])
    }

    @Test func bubblewrapsWordsForBadValues() {
        #expect(usageError { try launchSpec(["--sync-fd", "abc", "true"]) }?.bwrapMessage == "Invalid fd: abc")
        #expect(usageError { try launchSpec(["--no-such-option", "true"]) }?.bwrapMessage == "Unknown option --no-such-option")
    }

    @Test func twoChdirsWarn() throws {
        let s = try launchSpec(["--chdir", "/", "--chdir", "/tmp", "true"], asBwrap: true)
        #expect(s.warnings == ["Only the last --chdir option will take effect"] && s.workingDirectory == "/tmp")
    }

    /// bubblewrap's rules between its options, in its words.
    @Test(arguments: [
        (["--as-pid-1"], "Specifying --as-pid-1 requires --unshare-pid"),
        (["--unshare-pid", "--as-pid-1", "--lock-file", "/l"], "Specifying --as-pid-1 and --lock-file is not permitted"),
        (["--userns-block-fd", "2"], "--userns-block-fd requires --unshare-user"),
        (["--unshare-user", "--userns-block-fd", "2"], "--userns-block-fd requires --info-fd"),
        (["--userns", "2", "--unshare-user"], "--userns not compatible --unshare-user"),
        (["--userns", "2", "--unshare-user-try"], "--userns not compatible --unshare-user-try"),
        (["--sync-fd", "abc"], "--sync-fd abc: 'abc' is not a file descriptor number"),
        (["--sync-fd", "987"], "--sync-fd 987: descriptor 987 is not open"),
        (["--argv0", "a", "--argv0", "b"], "--argv0 used multiple times"),
        (["--args", "x"], "--args x: 'x' is not a file descriptor number"),
    ])
    func rulesBetweenOptions(args: [String], message: String) {
        let error = usageError { try launchSpec(args + ["true"]) }
        #expect(error?.message == message, "\(error?.message ?? "no usage error")")
    }

    @Test func uidWithoutAUserNamespace() {
        let error = usageError { try launchSpec(["--uid", "5", "true"]) }
        // Root needs --unshare-user for it; anyone else gets a user namespace anyway (as bubblewrap).
        #expect((error?.message == "Specifying --uid or --gid requires --unshare-user or --userns") == Self.root)
    }

    /// bubblewrap's names for its usage and version, for tools that probe them.
    @Test func usageAndVersion() {
        let usage = BwrapUsage.usage("/usr/bin/bwrap")
        #expect(usage.hasPrefix("usage: /usr/bin/bwrap [OPTIONS...] [--] COMMAND [ARGS...]\n"))
        for option in ["--unshare-all", "--ro-bind", "--overlay-src", "--cap-add", "--lock-file"] {
            #expect(usage.contains("    " + option + " "), "\(option)")
        }
        #expect(!usage.contains("--mount-proc") && !usage.contains("--set-tid"))
    }
}
