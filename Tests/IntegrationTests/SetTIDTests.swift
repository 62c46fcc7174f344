import Foundation
import Testing

/// --set-tid, checked against NSpid in /proc/PID/status.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct SetTIDTests {
    /// Prints the NSpid values of the shell itself (grep would print its own).
    static let nspid = #"while read -r k v; do if [ "$k" = NSpid: ]; then echo $v; fi; done </proc/self/status"#

    func numbers(_ line: String?) -> [Int32] {
        (line ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    @Test func chosenPIDInTheCallersNamespace() throws {
        let pid = freePID()
        let r = try Swclone.run(["--set-tid", "\(pid)", "--", "sh", "-c", "echo $$"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["\(pid)"])
    }

    @Test func withPIDTheProgramIsOneAndChosenOutside() throws {
        let pid = freePID()
        let r = try Swclone.run(["--pid", "--set-tid", "1,\(pid)", "--", "sh", "-c", Self.nspid])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(numbers(r.lines.first) == [pid, 1])
    }

    /// swclone --pid inside swclone --pid inside swclone --pid, each choosing
    /// its child's PID at every level: the restore of a nested process tree.
    /// The program walks up through PPid (seen from the host's /proc) and
    /// prints the NSpid of itself and of the two swclones above it.
    @Test func threeLevelsDeep() throws {
        let p0 = freePID(), q0 = freePID(avoiding: [p0])
        let r0 = freePID(avoiding: [p0, q0])
        let walk = """
            \(Self.nspid)
            while read -r k v; do if [ "$k" = PPid: ]; then pp=$v; fi; done </proc/self/status
            while read -r k v; do if [ "$k" = NSpid: ]; then echo $v; fi; if [ "$k" = PPid: ]; then ppp=$v; fi; done </proc/$pp/status
            while read -r k v; do if [ "$k" = NSpid: ]; then echo $v; fi; done </proc/$ppp/status
            """
        let r = try Swclone.run([
            "--pid", "--set-tid", "1,\(p0)", "--",
            Swclone.path, "--pid", "--set-tid", "1,100,\(q0)", "--",
            Swclone.path, "--pid", "--set-tid", "1,300,200,\(r0)", "--", "sh", "-c", walk,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 3, "\(r.stdout)")
        #expect(numbers(r.lines.first) == [r0, 200, 300, 1], "the program")
        #expect(numbers(r.lines.dropFirst().first) == [q0, 100, 1], "the innermost swclone")
        #expect(numbers(r.lines.last) == [p0, 1], "the middle swclone")
    }

    @Test func pidInUse() throws {
        let r = try Swclone.run(["--set-tid", "1", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "--set-tid 1: PID 1 is already in use (EEXIST)")
    }

    @Test func pidInUseOutsideANewNamespace() throws {
        let r = try Swclone.run(["--pid", "--set-tid", "1,1", "--", "true"])
        expectOneErrorLine(r, status: 125, containing: "PID 1 is already in use (EEXIST)")
    }

    @Test func moreEntriesThanLevelsIsAUsageError() throws {
        let r = try Swclone.run(["--pid", "--set-tid", "1,30001,30002", "--", "true"])
        expectOneErrorLine(r, status: 64, containing: "--set-tid 1,30001,30002: 3 PIDs for 2 PID namespace levels")
    }

    /// Inside a PID namespace swclone cannot be sure NSpid shows every level
    /// (a /proc of an inner namespace hides the outer ones), so the kernel
    /// judges, and the line explains its EINVAL.
    @Test func tooManyLevelsInsideANamespace() throws {
        let r = try Swclone.run(["--pid", "--", Swclone.path, "--set-tid", "5,6,7", "--", "true"])
        expectOneErrorLine(
            r, status: 125,
            containing: "--set-tid 5,6,7: 3 PIDs for the child's 2 PID namespace levels that NSpid in /proc/self/status shows")
    }

    @Test func unprivilegedInItsOwnUserNamespace() throws {
        let r = try Swclone.run(
            ["--user", "--map-root-user", "--pid", "--set-tid", "1", "--", "sh", "-c", "echo $$"],
            asUser: "65534")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["1"])
    }

    @Test(arguments: [["--user", "--map-root-user", "--pid", "--set-tid"], ["--set-tid"]])
    func unprivilegedOutsideItsOwnNamespaceIsRefusedClearly(options: [String]) throws {
        let pid = freePID()
        let value = options.contains("--pid") ? "1,\(pid)" : "\(pid)"
        let r = try Swclone.run(options + [value, "--", "true"], asUser: "65534")
        expectOneErrorLine(
            r, status: 125,
            containing:
                "--set-tid \(value): PID \(pid) needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the user namespace that owns that PID namespace (EPERM)"
        )
    }

    /// Without --user, an unprivileged caller's EPERM is about the namespaces.
    @Test func unprivilegedNamespacesRefusedAsSuch() throws {
        let r = try Swclone.run(["--pid", "--set-tid", "1", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "cannot create namespaces (pid)")
    }
}
