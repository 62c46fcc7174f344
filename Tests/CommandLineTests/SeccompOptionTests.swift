import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// --seccomp, --add-seccomp-fd and --seccomp-default on the command line: each
/// descriptor is read to its end and closed while the command line is read, and
/// what the kernel could never load is a usage error naming the option.
/// Tests run in parallel in one process: each descriptor gets a number of its own, far above
/// those the kernel hands out, so that "closed" and "not open" are about this test's alone.
struct SeccompOptionTests {
    /// Descriptor `fd` reading `bytes` (a pipe, as a caller might hand over).
    func descriptor(_ fd: Int32, _ bytes: [UInt8]) throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        try #require(written == bytes.count)
        try #require(dup2(fds[0], fd) == fd)
        close(fds[0])
        return fd
    }

    /// `n` instructions: "return ALLOW" (BPF_RET | BPF_K, k = SECCOMP_RET_ALLOW), 8 bytes each.
    func program(_ n: Int, k: UInt32 = 0x7fff_0000) -> [UInt8] {
        let one: [UInt8] = [0x06, 0x00, 0, 0, UInt8(k & 0xff), UInt8(k >> 8 & 0xff), UInt8(k >> 16 & 0xff), UInt8(k >> 24)]
        return Array((0..<n).map { _ in one }.joined())
    }

    func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }

    @Test func noOptionNoFilter() throws {
        let spec = try launchSpec(["true"])
        #expect(!spec.seccompDefault && spec.seccompPrograms.isEmpty)
    }

    @Test func theDefaultFilterIsAFlag() throws {
        #expect(try launchSpec(["--seccomp-default", "true"]).seccompDefault)
    }

    @Test func seccompReadsItsDescriptorAndClosesIt() throws {
        let fd = try descriptor(901, program(2))
        let spec = try launchSpec(["--seccomp", "\(fd)", "true"])
        #expect(spec.seccompPrograms == [SeccompProgram(instructions: program(2), option: "--seccomp \(fd)")])
        #expect(!isOpen(fd))
    }

    @Test func addSeccompFDKeepsEveryFilterInOrder() throws {
        let a = try descriptor(902, program(1)), b = try descriptor(903, program(3))
        let spec = try launchSpec(["--add-seccomp-fd", "\(a)", "--seccomp-default", "--add-seccomp-fd", "\(b)", "true"])
        #expect(spec.seccompPrograms.map(\.instructions) == [program(1), program(3)])
        #expect(spec.seccompPrograms.map(\.option) == ["--add-seccomp-fd \(a)", "--add-seccomp-fd \(b)"])
        #expect(spec.seccompDefault)
    }

    /// As bubblewrap: only the last --seccomp counts (the earlier descriptor is not read).
    @Test func aRepeatedSeccompTakesTheLast() throws {
        let a = try descriptor(904, program(1)), b = try descriptor(905, program(2))
        defer { close(a) }
        let spec = try launchSpec(["--seccomp", "\(a)", "--seccomp", "\(b)", "true"])
        #expect(spec.seccompPrograms.map(\.instructions) == [program(2)])
        #expect(spec.warnings == ["Only the last --seccomp option will take effect"])
        #expect(isOpen(a) && !isOpen(b))
    }

    /// bubblewrap's rule and words: the option that comes second cannot be combined with the first.
    @Test func seccompAndAddSeccompFDDoNotMix() throws {
        let a = try descriptor(906, program(1)), b = try descriptor(907, program(1))
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

    @Test func badDescriptorsAreUsageErrors() throws {
        #expect(usageError { try launchSpec(["--seccomp", "x", "true"]) }?.message == "--seccomp x: 'x' is not a file descriptor number")
        #expect(
            usageError { try launchSpec(["--seccomp", "-1", "true"]) }?.message == "--seccomp -1: '-1' is not a file descriptor number")
        let closed: Int32 = 999
        #expect(
            usageError { try launchSpec(["--add-seccomp-fd", "\(closed)", "true"]) }?.message
                == "--add-seccomp-fd \(closed): descriptor \(closed) is not open: Bad file descriptor (EBADF)")
        let opened = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), directory: Int32 = 998
        #expect(dup2(opened, directory) == directory)
        close(opened)
        defer { close(directory) }
        #expect(
            usageError { try launchSpec(["--seccomp", "\(directory)", "true"]) }?.message
                == "--seccomp \(directory): cannot read the filter: Is a directory (EISDIR)")
    }

    /// Started as `bwrap`, swclone says these in bubblewrap's words, which its test suite matches.
    @Test func bubblewrapsWordsForBadInput() throws {
        #expect(usageError { try launchSpec(["--add-seccomp-fd", "-1", "true"]) }?.bwrapMessage == "Invalid fd: -1")
        #expect(usageError { try launchSpec(["--seccomp", "0a", "true"]) }?.bwrapMessage == "Invalid fd: 0a")
        let closed = usageError { try launchSpec(["--seccomp", "997", "true"]) }
        #expect(closed?.bwrapMessage == "Can't read seccomp data: Bad file descriptor")
        let truncated = try descriptor(913, [1])
        #expect(
            usageError { try launchSpec(["--add-seccomp-fd", "\(truncated)", "true"]) }?.bwrapMessage
                == "Invalid seccomp data, must be multiple of 8")
    }

    /// What the kernel could never load: no instruction, a part of one, more than BPF_MAXINSNS.
    @Test func programsTheKernelCouldNeverLoadAreUsageErrors() throws {
        let empty = try descriptor(909, [])
        #expect(
            usageError { try launchSpec(["--seccomp", "\(empty)", "true"]) }?.message
                == "--seccomp \(empty): the filter is empty (it has no instruction)")
        let truncated = try descriptor(910, Array(program(2).dropLast(3)))
        #expect(
            usageError { try launchSpec(["--seccomp", "\(truncated)", "true"]) }?.message
                == "--seccomp \(truncated): 13 bytes are not whole instructions (struct sock_filter, 8 bytes each)")
        // A pipe holds 64 KiB: 4097 instructions fit.
        let long = try descriptor(911, program(4097))
        #expect(
            usageError { try launchSpec(["--add-seccomp-fd", "\(long)", "true"]) }?.message
                == "--add-seccomp-fd \(long): 4097 instructions; the kernel loads at most 4096 in one filter")
        #expect(
            try launchSpec(["--seccomp", "\(try descriptor(912, program(4096)))", "true"]).seccompPrograms[0].instructions.count == 4096 * 8
        )
    }
}
