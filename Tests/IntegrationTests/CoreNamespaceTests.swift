import Foundation
import Testing

/// The eight namespace options, checked against /proc/self/ns of the program.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct CoreNamespaceTests {
    @Test func pidNamespaceMakesTheProgramPIDOne() throws {
        let r = try Swclone.run(["--pid", "--fork", "--mount-proc", "--", "sh", "-c", "echo $$; ls /proc | grep -c '^[0-9]'"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first == "1")
        #expect(Int(r.lines.last ?? "") ?? 99 <= 3, "inside /proc lists \(r.stdout)")
    }

    @Test(arguments: [
        ("--pid", "pid_for_children"), ("--mount", "mnt"), ("--uts", "uts"), ("--ipc", "ipc"),
        ("--net", "net"), ("--cgroup", "cgroup"), ("--time", "time_for_children"),
    ])
    func eachOptionGivesANewNamespace(option: String, file: String) throws {
        let r = try Swclone.run([option, "--fork", "--", "readlink", "/proc/self/ns/\(file)"])
        #expect(r.status == 0, "\(r.stderr)")
        let host = namespaceLink(file.replacingOccurrences(of: "_for_children", with: ""))
        #expect(!r.stdout.isEmpty && r.stdout.trimmingCharacters(in: .newlines) != host)
    }

    @Test func allNamespacesAtOnce() throws {
        let names = ["pid_for_children", "mnt", "uts", "ipc", "net", "cgroup", "user", "time_for_children"]
        let r = try Swclone.run([
            "--pid", "--mount", "--uts", "--ipc", "--net", "--cgroup", "--user", "--map-root-user",
            "--time", "--fork", "--", "sh", "-c", names.map { "readlink /proc/self/ns/\($0)" }.joined(separator: ";"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        for (line, name) in zip(r.lines, names) {
            #expect(line != namespaceLink(name.replacingOccurrences(of: "_for_children", with: "")), "\(name) not new")
        }
    }
}
