import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// --seccomp, --add-seccomp-fd and --seccomp-default on the command line: open
/// descriptors in order (read when launching: CloneCoreTests), bubblewrap's
/// rules between the two options, and its words for bad input.
/// Tests run in parallel in one process: descriptors get numbers far above those
/// the kernel hands out, so that "not open" is about this test's alone.
struct SeccompOptionTests {
    /// Descriptor `fd`, open on /dev/null until the test ends.
    func descriptor(_ fd: Int32) throws -> Int32 {
        let opened = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(opened >= 0 && dup2(opened, fd) == fd)
        close(opened)
        return fd
    }

    @Test func noOptionNoFilter() throws {
        let spec = try launchSpec(["true"])
        #expect(!spec.seccompDefault && spec.seccompDescriptors.isEmpty && spec.warnings.isEmpty)
    }

    @Test func theDefaultFilterIsAFlag() throws {
        #expect(try launchSpec(["--seccomp-default", "true"]).seccompDefault)
    }

    @Test func seccompTakesAnOpenDescriptor() throws {
        let fd = try descriptor(901)
        defer { close(fd) }
        #expect(
            try launchSpec(["--seccomp", "\(fd)", "true"]).seccompDescriptors == [SeccompDescriptor(fd: fd, option: "--seccomp \(fd)")])
    }

    @Test func addSeccompFDKeepsEveryFilterInOrder() throws {
        let a = try descriptor(902), b = try descriptor(903)
        defer {
            close(a)
            close(b)
        }
        let spec = try launchSpec(["--add-seccomp-fd", "\(b)", "--seccomp-default", "--add-seccomp-fd", "\(a)", "true"])
        #expect(
            spec.seccompDescriptors == [
                SeccompDescriptor(fd: b, option: "--add-seccomp-fd \(b)"), SeccompDescriptor(fd: a, option: "--add-seccomp-fd \(a)"),
            ])
        #expect(spec.seccompDefault)
    }

    /// As bubblewrap: only the last --seccomp counts, with a warning.
    @Test func aRepeatedSeccompTakesTheLast() throws {
        let a = try descriptor(904), b = try descriptor(905)
        defer {
            close(a)
            close(b)
        }
        let spec = try launchSpec(["--seccomp", "\(a)", "--seccomp", "\(b)", "true"])
        #expect(spec.seccompDescriptors.map(\.fd) == [b])
        #expect(spec.warnings == ["Only the last --seccomp option will take effect"])
    }

    /// bubblewrap's rule and words: the option that comes second cannot be combined with the first.
    @Test func seccompAndAddSeccompFDDoNotMix() throws {
        let a = try descriptor(906), b = try descriptor(907)
        defer {
            close(a)
            close(b)
        }
        #expect(
            usageError { try launchSpec(["--seccomp", "\(a)", "--add-seccomp-fd", "\(b)", "true"]) }?.message
                == "--add-seccomp-fd cannot be combined with --seccomp")
        #expect(
            usageError { try launchSpec(["--add-seccomp-fd", "\(a)", "--seccomp", "\(b)", "true"]) }?.message
                == "--seccomp cannot be combined with --add-seccomp-fd")
    }

    /// In swclone's words, and in bubblewrap's (which its test suite matches) for swclone started as `bwrap`.
    @Test func badDescriptorsAreUsageErrors() throws {
        let word = usageError { try launchSpec(["--seccomp", "0a", "true"]) }
        #expect(word?.message == "--seccomp 0a: '0a' is not a file descriptor number" && word?.bwrapMessage == "Invalid fd: 0a")
        let negative = usageError { try launchSpec(["--add-seccomp-fd", "-1", "true"]) }
        #expect(
            negative?.message == "--add-seccomp-fd -1: '-1' is not a file descriptor number" && negative?.bwrapMessage == "Invalid fd: -1")
        let closed = usageError { try launchSpec(["--add-seccomp-fd", "999", "true"]) }
        #expect(closed?.message == "--add-seccomp-fd 999: descriptor 999 is not open: Bad file descriptor (EBADF)")
        #expect(closed?.bwrapMessage == "Can't read seccomp data: Bad file descriptor")
    }
}
