import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// bubblewrap's view options on the command line: their order, their words,
/// and bubblewrap's rules for --perms, --size and --overlay-src.
struct ViewOptionTests {
    func view(_ args: [String]) throws -> FilesystemView { try launchSpec(args + ["true"]).view }

    @Test func operationsKeepTheirOrderAndWords() throws {
        let v = try view([
            "--ro-bind", "/usr", "/usr", "--tmpfs", "/tmp", "--bind-try", "/x", "/y/", "--dev", "/dev", "--proc", "/proc",
            "--symlink", "usr/bin", "/bin", "--mqueue", "/dev/mqueue", "--remount-ro", "/usr", "--chmod", "0700", "/tmp",
        ])
        #expect(
            v.operations.map(\.kind) == [
                .bind(source: "/usr", access: .readOnly, optional: false), .tmpfs(mode: 0o755, size: nil),
                .bind(source: "/x", access: .readWrite, optional: true), .dev, .proc, .symlink(target: "usr/bin"), .mqueue,
                .remountReadOnly, .chmod(mode: 0o700),
            ])
        #expect(v.operations.map(\.destination) == ["/usr", "/tmp", "/y", "/dev", "/proc", "/bin", "/dev/mqueue", "/usr", "/tmp"])
        #expect(v.operations[0].option == "--ro-bind /usr /usr")
    }

    @Test func destinationsAreNormalizedInsideTheRoot() throws {
        #expect(try view(["--dir", "a//b/./c/"]).operations[0].destination == "/a/b/c")
        #expect(try view(["--bind", "/", "/"]).operations[0].destination == "/")
    }

    @Test func permsAndSizeApplyToWhatFollows() throws {
        let v = try view(["--perms", "0700", "--size", "1024", "--tmpfs", "/t", "--perms", "0640", "--dir", "/d", "--dir", "/e"])
        #expect(v.operations.map(\.kind) == [.tmpfs(mode: 0o700, size: 1024), .dir(mode: 0o640), .dir(mode: 0o755)])
    }

    @Test func filesTakeDescriptors() throws {
        let v = try view(["--file", "0", "/f", "--perms", "0644", "--ro-bind-data", "2", "/g", "--bind-fd", "1", "/h"])
        #expect(
            v.operations.map(\.kind) == [
                .file(fd: 0, mode: 0o666), .bindData(fd: 2, mode: 0o644, readOnly: true), .bindDescriptor(fd: 1, access: .readWrite),
            ])
    }

    /// The layers are given bottom first; each overlay takes those before it.
    @Test func overlaysTakeTheSourcesBeforeThem() throws {
        let v = try view([
            "--overlay-src", "/a", "--overlay-src", "/b", "--overlay", "/rw", "/work", "/x", "--overlay-src", "/c", "--tmp-overlay", "/y",
        ])
        #expect(
            v.operations.map(\.kind) == [
                .overlay(sources: ["/a", "/b"], upper: .directory("/rw", work: "/work")), .overlay(sources: ["/c"], upper: .temporary),
            ])
    }

    @Test func flagsAndTheWorkingDirectory() throws {
        let s = try launchSpec(["--landlock", "--disable-userns", "--assert-userns-disabled", "--chdir", "/src", "true"])
        #expect(s.view.landlock && s.view.disableUserNamespaces && s.view.assertUserNamespacesDisabled)
        #expect(s.workingDirectory == "/src" && s.workingDirectoryOption == "--chdir" && !s.view.buildsRoot)
    }

    @Test(arguments: [
        (
            ["--perms", "0700", "--bind", "/a", "/b"],
            "--perms 0700: must be followed by --dir, --file, --tmpfs, --bind-data or --ro-bind-data"
        ),
        (["--perms", "0700", "--fork"], "--perms 0700: must be followed by what it applies to, not --fork"),
        (["--perms", "0700"], "--perms 0700: nothing follows it to apply to"),
        (["--perms", "0700", "--perms", "0600", "--dir", "/d"], "--perms 0600: --perms 0700 is already waiting"),
        (["--perms", "800", "--dir", "/d"], "--perms 800: '800' is not an octal mode up to 07777"),
        (["--size", "10", "--dir", "/d"], "--size 10: must be followed by --tmpfs"),
        (["--size", "0", "--tmpfs", "/t"], "--size 0: the size is a number of bytes, more than 0"),
        (["--overlay-src", "/a", "--dir", "/d"], "--overlay-src /a: must be followed by another --overlay-src"),
        (["--overlay-src", "/a"], "--overlay-src /a: must be followed by --overlay"),
        (["--overlay-src", "/a", "--ro-overlay", "/x"], "--ro-overlay /x: needs at least two --overlay-src before it"),
        (["--tmp-overlay", "/x"], "--tmp-overlay /x: needs at least one --overlay-src before it"),
        (["--dir", "/a/../../etc"], "--dir /a/../../etc: '..' may not appear in a destination"),
        (["--bind", "/a", ""], "--bind /a : the destination is empty"),
        (["--bind", "", "/b"], "--bind  /b: the source is empty"),
        (["--chmod", "abc", "/x"], "--chmod abc /x: 'abc' is not an octal mode"),
        (["--file", "x", "/f"], "--file x /f: 'x' is not a file descriptor number"),
        (["--file", "987", "/f"], "--file 987 /f: descriptor 987 is not open"),
        (["--bind=/a", "/b"], "--bind takes its 2 values as separate words, without ="),
        (["--root", "/srv", "--ro-bind", "/", "/"], "--root and a filesystem view both choose the root"),
    ])
    func badViewsAreUsageErrors(args: [String], message: String) {
        let error = usageError { try launchSpec(args + ["true"]) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no usage error")")
    }

    /// Started as bwrap, the same errors read as bubblewrap's (its test suite matches them).
    @Test(arguments: [
        (["--perms", "0700", "--bind", "/a", "/b"], "--perms must be followed by an option that creates a file"),
        (["--perms", "0700", "--fork"], "--perms must be followed by an option that creates a file"),
        (["--perms", "0700"], "--perms must be followed by an option that creates a file"),
        (["--perms", "0700", "--perms", "0600", "--dir", "/d"], "--perms given twice for the same action"),
        (["--size", "10", "--dir", "/d"], "--size must be followed by --tmpfs"),
        (["--size", "1", "--size", "2", "--tmpfs", "/t"], "--size given twice for the same action"),
        (["--overlay", "/u", "/w", "/x"], "--overlay requires at least one --overlay-src"),
        (["--tmp-overlay", "/x"], "--tmp-overlay requires at least one --overlay-src"),
        (["--overlay-src", "/a", "--ro-overlay", "/x"], "--ro-overlay requires at least two --overlay-src"),
        (
            ["--overlay-src", "/a", "--chdir", "/"],
            "--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay"
        ),
        (
            ["--overlay-src", "/a"],
            "--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay"
        ),
    ])
    func bubblewrapWords(args: [String], message: String) {
        let error = usageError { try launchSpec(args + ["true"]) }
        #expect(error?.bwrapMessage == message, "\(error?.bwrapMessage ?? "no bubblewrap message")")
    }

    @Test(arguments: [
        ("/", "/"), ("", "/"), ("usr", "/usr"), ("//usr//bin/", "/usr/bin"), ("/./a/./b/.", "/a/b"), ("/a/.b/..c", "/a/.b/..c"),
        ("/é/ü", "/é/ü"),
    ])
    func destinationsAreNormalized(text: String, path: String) {
        #expect(normalizedPath(text) == path)
    }

    @Test func dotDotIsRefused() {
        #expect(normalizedPath("/a/../b") == nil && normalizedPath("..") == nil && normalizedPath("/a/..") == nil)
    }

    @Test func missingWords() {
        #expect(usageError { try scanLaunch(["--overlay", "/a", "/b"]) }?.message == "--overlay needs 3 values: rwsrc workdir dest")
    }
}
