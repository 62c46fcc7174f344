import Foundation
import Testing

/// The transient cgroups swclone makes, `swclone-PID` directories, in every
/// cgroup hierarchy /proc/self/mountinfo lists (cgroup v2 and v1 alike),
/// down to the depth a caller's own cgroup and a --cgroup-parent reach.
enum TransientCgroups {
    static func list() -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        var found: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
                fields[dash + 1] == "cgroup2" || fields[dash + 1] == "cgroup"
            else { continue }
            walk(String(fields[4]).replacingOccurrences(of: "\\040", with: " "), depth: 5, into: &found)
        }
        return found
    }

    private static func walk(_ dir: String, depth: Int, into found: inout Set<String>) {
        guard depth > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names {
            let path = "\(dir)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { continue }
            if name.hasPrefix("swclone-"), name.dropFirst(8).allSatisfy(\.isNumber), name.count > 8 {
                found.insert(path)
            } else {
                walk(path, depth: depth - 1, into: &found)
            }
        }
    }

    /// Kills what is left in a cgroup and removes it (children first), as a failed test must.
    static func remove(_ dir: String) {
        for _ in 0..<100 {
            try? "1".write(toFile: "\(dir)/cgroup.kill", atomically: false, encoding: .utf8)
            let procs = (try? String(contentsOfFile: "\(dir)/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in procs.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
            if rmdir(dir) == 0 || errno == ENOENT { return }
            usleep(20_000)
        }
    }
}

/// After each test, no transient cgroup the test made may be left: each new
/// `swclone-PID` directory fails the test and is removed. Suites with this
/// trait run serialized, so that the count before and after is theirs.
struct NoLeftoverCgroupsTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let before = TransientCgroups.list()
        var failure: (any Error)?
        do { try await function() } catch { failure = error }
        // Removal follows the program's end, which the launch has already reported: no wait.
        for dir in TransientCgroups.list().subtracting(before).sorted(by: >) {
            Issue.record("a transient cgroup is left: \(dir)", sourceLocation: test.sourceLocation)
            TransientCgroups.remove(dir)
        }
        if let failure { throw failure }
    }
}

extension Trait where Self == NoLeftoverCgroupsTrait {
    /// Fails (and cleans up after) a test that leaves a transient cgroup; see `NoLeftoverCgroupsTrait`.
    static var noLeftoverCgroups: Self { Self() }
}
