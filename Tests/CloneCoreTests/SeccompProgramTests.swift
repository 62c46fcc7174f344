import Glibc
import LaunchPlan
import LaunchSpec
import Testing

@testable import CloneCore

/// The seccomp programs a launch hands its child, made before anything is set up:
/// the caller's read to the end and closed, checked for what the kernel could
/// never load; --seccomp-default's built by libseccomp. Tests run in parallel in
/// one process: descriptors get numbers of their own, far above those the kernel
/// hands out, so that "closed" is about this test's alone.
struct SeccompProgramTests {
    static let everything = CapabilitySet.all(count: 41)

    /// Descriptor `fd` reading `bytes` (a pipe, as a caller might hand over).
    func descriptor(_ fd: Int32, _ bytes: [UInt8]) throws -> SeccompDescriptor {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        try #require(written == bytes.count && dup2(fds[0], fd) == fd)
        close(fds[0])
        return SeccompDescriptor(fd: fd, option: "--add-seccomp-fd \(fd)")
    }

    /// `n` instructions: "return ALLOW" (BPF_RET | BPF_K, k = SECCOMP_RET_ALLOW), 8 bytes each.
    func program(_ n: Int) -> [UInt8] {
        Array(repeatElement([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f] as [UInt8], count: n).joined())
    }

    func programs(_ change: (inout LaunchSpec) -> Void) throws -> [[UInt8]] {
        var spec = LaunchSpec(argv: ["true"], executableCandidates: ["/usr/bin/true"], environment: nil)
        change(&spec)
        let facts = ProcessFacts(pid: 1, uid: 0, gid: 0, effective: Self.everything, permitted: Self.everything, known: Self.everything)
        return try seccompPrograms(LaunchPlan(spec: spec, facts: facts))
    }

    func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) >= 0 }

    @Test func noFilterNothingMade() throws {
        #expect(try programs { _ in }.isEmpty)
    }

    /// In the order of the steps: the default filter first, then the caller's; their descriptors closed.
    @Test func eachFilterIsReadInOrderAndClosed() throws {
        let a = try descriptor(921, program(1)), b = try descriptor(922, program(3))
        let made = try programs {
            $0.seccompDescriptors = [a, b]
            $0.seccompDefault = true
        }
        #expect(made.count == 3 && made[1] == program(1) && made[2] == program(3))
        #expect(!isOpen(a.fd) && !isOpen(b.fd))
        // libseccomp's program: whole instructions, ending in a return (BPF_RET).
        #expect(made[0].count % 8 == 0 && made[0].count > 8 && made[0][made[0].count - 8] & 0x07 == 0x06)
    }

    /// Refusing ptrace's attach requests takes rules of their own.
    @Test func theDefaultFilterRefusesAttachingOnlyWhenAsked() throws {
        let shared = try programs { $0.seccompDefault = true }
        let own = try programs {
            $0.seccompDefault = true
            $0.namespaces = [.pid]
        }
        #expect(shared[0].count > own[0].count)
    }

    /// What the kernel could never load: no instruction, a part of one, more than BPF_MAXINSNS;
    /// in bubblewrap's words too where its test suite matches them.
    @Test func programsTheKernelCouldNeverLoadAreUsageErrors() throws {
        func error(_ descriptor: SeccompDescriptor) -> SwcloneError? {
            do { _ = try programs { $0.seccompDescriptors = [descriptor] } } catch let e as SwcloneError { return e } catch {}
            return nil
        }
        let empty = error(try descriptor(923, []))
        #expect(empty?.message == "--add-seccomp-fd 923: the filter is empty (it has no instruction)" && empty?.status == 64)
        let truncated = error(try descriptor(924, Array(program(2).dropLast(3))))
        #expect(truncated?.message == "--add-seccomp-fd 924: 13 bytes are not whole instructions (struct sock_filter, 8 bytes each)")
        #expect(truncated?.bwrapMessage == "Invalid seccomp data, must be multiple of 8" && truncated?.status == 64)
        // A pipe holds 64 KiB: 4097 instructions fit.
        let long = error(try descriptor(925, program(4097)))
        #expect(
            long?.message == "--add-seccomp-fd 925: 4097 instructions; the kernel loads at most 4096 in one filter" && long?.status == 64)
        let longest = try descriptor(926, program(4096))
        #expect(try programs { $0.seccompDescriptors = [longest] } == [program(4096)])
    }

    /// As bubblewrap: every descriptor is read and its size checked before an empty filter is refused,
    /// so the same one twice is found closed the second time (bubblewrap's tests of both).
    @Test func sizesComeFirstThenEmptiness() throws {
        func error(_ descriptors: [SeccompDescriptor]) -> SwcloneError? {
            do { _ = try programs { $0.seccompDescriptors = descriptors } } catch let e as SwcloneError { return e } catch {}
            return nil
        }
        let truncated = error([try descriptor(928, []), try descriptor(929, [1])])
        #expect(truncated?.bwrapMessage == "Invalid seccomp data, must be multiple of 8")
        let empty = try descriptor(930, [])
        #expect(error([empty, empty])?.bwrapMessage == "Can't read seccomp data: Bad file descriptor")
    }

    /// The same descriptor twice: the second read finds it closed (bubblewrap's test of it).
    @Test func aDescriptorIsReadOnce() throws {
        let a = try descriptor(927, program(1))
        var error: SwcloneError?
        do { _ = try programs { $0.seccompDescriptors = [a, a] } } catch let e as SwcloneError { error = e }
        #expect(error?.message == "--add-seccomp-fd 927: cannot read the filter: Bad file descriptor (EBADF)" && error?.status == 64)
        #expect(error?.bwrapMessage == "Can't read seccomp data: Bad file descriptor")
    }
}
