import Foundation
import Testing

/// What the new namespaces change inside, and that the host stays as it was.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct IsolationTests {
    @Test func hostnameStaysInside() throws {
        let before = try runProgram("/bin/hostname", []).stdout
        let r = try Swclone.run(["--hostname", "swclone-box", "--", "hostname"])
        #expect(r.stdout == "swclone-box\n")
        let inPlace = try Swclone.run(["--uts", "--", "sh", "-c", "hostname swclone-inner && hostname"])
        #expect(inPlace.stdout == "swclone-inner\n")
        #expect(try runProgram("/bin/hostname", []).stdout == before)
    }

    @Test func mountsStayInside() throws {
        let r = try Swclone.run([
            "--mount", "--", "sh", "-c", "mount -t tmpfs swclone-tmpfs /mnt && grep -c swclone-tmpfs /proc/self/mounts",
        ])
        #expect(r.stdout == "1\n", "\(r.stderr)")
        #expect(try !String(contentsOfFile: "/proc/self/mounts", encoding: .utf8).contains("swclone-tmpfs"))
    }

    @Test func mountProcLeavesTheHostsProc() throws {
        let r = try Swclone.run(["--pid", "--mount-proc", "--", "sh", "-c", "ls /proc | grep -c '^[0-9]'"])
        #expect(Int(r.stdout.trimmingCharacters(in: .newlines)) ?? 99 <= 3)
        #expect(FileManager.default.fileExists(atPath: "/proc/\(getpid())"))
    }

    @Test func rootIsMadePrivateInsideOnly() throws {
        // The line of the host's / (other tests mount and unmount elsewhere meanwhile).
        func hostRoot() throws -> [Substring] {
            try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n").filter { $0.contains(" / / ") }
        }
        let before = try hostRoot()
        let r = try Swclone.run(["--mount", "--", "sh", "-c", "grep ' / / ' /proc/self/mountinfo"])
        #expect(r.status == 0 && !r.stdout.contains("shared:"), "\(r.stdout)")
        #expect(try hostRoot() == before)
    }

    @Test func networkHasOnlyLoopbackUp() throws {
        let r = try Swclone.run(["--net", "--", "ip", "-o", "link", "show"])
        #expect(r.lines.count == 1 && r.stdout.contains("lo:") && r.stdout.contains("UP"), "\(r.stdout)")
    }

    @Test func ipcObjectsStayInside() throws {
        let r = try Swclone.run(["--ipc", "--", "sh", "-c", "ipcmk -M 4096 >/dev/null && ipcs -m | grep -c '^0x'"])
        #expect(r.stdout == "1\n", "\(r.stderr)")
    }

    @Test func cgroupNamespaceSeesItsRoot() throws {
        let r = try Swclone.run(["--cgroup", "--", "cat", "/proc/self/cgroup"])
        #expect(r.stdout.contains("0::/\n"), "\(r.stdout)")
    }

    @Test(arguments: [["--fork"], []])
    func timeOffsets(mode: [String]) throws {
        let r = try Swclone.run(mode + ["--boottime", "86400", "--monotonic", "3600", "--", "cat", "/proc/uptime"])
        #expect((Double(r.stdout.split(separator: " ").first ?? "") ?? 0) >= 86400, "\(r.stdout) \(r.stderr)")
    }

    @Test func unprivilegedUserNamespaceWithEverything() throws {
        let r = try Swclone.run(
            [
                "--user", "--map-root-user", "--pid", "--mount", "--uts", "--ipc", "--net", "--cgroup",
                "--fork", "--mount-proc", "--hostname", "box", "--", "sh", "-c", "id -u; hostname; echo $$",
            ],
            asUser: "65534")
        #expect(r.lines == ["0", "box", "1"], "\(r.stdout) \(r.stderr)")
    }
}
