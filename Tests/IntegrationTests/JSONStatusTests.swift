import Foundation
import Testing

/// --json-status, parsed with JSONSerialization and checked against what the
/// program itself sees in /proc/self/ns.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct JSONStatusTests {
    static let all = ["--pid", "--mount", "--uts", "--ipc", "--net", "--cgroup", "--user", "--map-root-user", "--time"]
    /// Key of the status line → the link under /proc/self/ns.
    static let links = [
        "cgroup-namespace": "cgroup", "ipc-namespace": "ipc", "mnt-namespace": "mnt",
        "net-namespace": "net", "pid-namespace": "pid", "uts-namespace": "uts",
        "user-namespace": "user", "time-namespace": "time",
    ]

    func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.filter { $0.hasPrefix("{") }.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func inode(_ link: String) -> Int? {
        guard let open = link.firstIndex(of: "["), let close = link.firstIndex(of: "]") else { return nil }
        return Int(link[link.index(after: open)..<close])
    }

    @Test func everyNewNamespaceMatchesWhatTheProgramSees() throws {
        let show = Self.links.values.sorted().map { "echo \($0) $(readlink /proc/self/ns/\($0))" }.joined(separator: "; ")
        let r = try Swclone.run(Self.all + ["--json-status", "-", "--", "sh", "-c", show])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try objects(r.lines)
        #expect(rows.count == 2)
        let first = try #require(rows.first)
        #expect(Set(first.keys) == Set(Self.links.keys).union(["child-pid"]))
        #expect((first["child-pid"] as? Int ?? 0) > 1)
        var seen: [String: Int] = [:]
        for line in r.lines where !line.hasPrefix("{") {
            let parts = line.split(separator: " ")
            seen[String(parts[0])] = inode(String(parts[1]))
        }
        for (key, link) in Self.links {
            #expect(first[key] as? Int == seen[link], "\(key)")
            #expect(String(seen[link] ?? 0) != inode(namespaceLink(link)).map(String.init), "\(link) is not new")
        }
        #expect(rows.last?["exit-code"] as? Int == 0)
    }

    /// /bin/true may be gone before swclone learns exec worked: the inodes
    /// are read while the child still waits.
    @Test func aFastProgramStillGetsEveryNamespace() throws {
        for _ in 0..<10 {
            let r = try Swclone.run(Self.all + ["--json-status", "-", "--", "true"])
            #expect(r.status == 0, "\(r.stderr)")
            let first = try #require(try objects(r.lines).first)
            #expect(first.count == 9, "\(r.stdout)")
        }
    }

    @Test func onlyNewNamespacesAreListed() throws {
        let r = try Swclone.run(["--net", "--json-status", "-", "--", "true"])
        #expect(r.status == 0, "\(r.stderr)")
        let first = try #require(try objects(r.lines).first)
        #expect(Set(first.keys) == ["child-pid", "net-namespace"])
    }

    @Test func killedBySignal() throws {
        let r = try Swclone.run(["--json-status", "-", "--", "sh", "-c", "kill -KILL $$"])
        #expect(r.signal == SIGKILL)
        let last = try #require(try objects(r.lines).last)
        #expect(last["exit-code"] as? Int == 137 && last["exit-signal"] as? Int == 9, "\(r.stdout)")
    }

    @Test func exitStatusPassedOn() throws {
        let r = try Swclone.run(["--json-status", "-", "--", "sh", "-c", "exit 3"])
        #expect(r.status == 3)
        #expect(try objects(r.lines).last?["exit-code"] as? Int == 3)
    }

    /// The status descriptor is swclone's: the program does not inherit it.
    @Test func descriptorGoesToAFileAndNotToTheProgram() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-json-\(getpid())").path
        defer { unlink(file) }
        let r = try runProgram(
            "/bin/sh",
            [
                "-c", "exec \"$0\" --uts --json-status 3 -- sh -c 'echo $$; ls /proc/self/fd/3 2>/dev/null || echo closed' 3>\"$1\"",
                Swclone.path, file,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.last == "closed")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let rows = try objects(lines)
        #expect(rows.first?["child-pid"] as? Int == Int(r.lines.first ?? ""))
        #expect(rows.first?["uts-namespace"] is Int && rows.last?["exit-code"] as? Int == 0)
    }

    /// When set-up fails the program never ran: no status lines, the error line says why.
    @Test func nothingWhenTheProgramNeverStarted() throws {
        let r = try Swclone.run(["--json-status", "-", "--", "/nonexistent/program"])
        #expect(r.status == 127)
        #expect(r.stdout.isEmpty)
    }

    @Test func descriptorNotOpen() throws {
        // The test runner may hold descriptor 9; the shell makes sure it is closed.
        let r = try runProgram("/bin/sh", ["-c", "exec 9>&-; exec \"$0\" --json-status 9 -- true", Swclone.path])
        expectOneErrorLine(r, status: 64, containing: "--json-status 9: descriptor 9 is not open")
    }
}
