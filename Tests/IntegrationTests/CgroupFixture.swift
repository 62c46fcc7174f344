import Foundation

/// A cgroup v2 directory of the test's own, under the cgroup2 mount found in
/// /proc/self/mountinfo (hybrid machines mount it at /sys/fs/cgroup/unified).
/// `remove()` takes it and every child cgroup the test made away again.
final class TestCgroup {
    let path: String
    private var children: [String] = []

    /// Where cgroup2 is mounted, or nil.
    static let mountPoint: String? = {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "cgroup2" {
                return String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            }
        }
        return nil
    }()

    init(_ name: String) throws {
        guard let mount = Self.mountPoint else { throw CocoaError(.fileNoSuchFile) }
        path = "\(mount)/swclone-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// A child cgroup, removed before this one.
    func child(_ name: String) throws -> String {
        let child = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: child, withIntermediateDirectories: false)
        children.append(child)
        return child
    }

    func write(_ file: String, _ text: String) throws {
        try text.write(toFile: file, atomically: false, encoding: .utf8)
    }

    /// rmdir, deepest first (a cgroup directory is removed with rmdir, never rm -r). A process
    /// that was killed leaves its cgroup only once it is reaped: EBUSY is waited out (up to 2 s).
    func remove() {
        for dir in children.reversed() + [path] {
            var tries = 0
            while rmdir(dir) != 0 && errno == EBUSY && tries < 200 {
                usleep(10_000)
                tries += 1
            }
        }
    }
}

/// A PID that no process holds now, high in the caller's range.
func freePID(avoiding taken: Set<Int32> = []) -> Int32 {
    let max =
        Int32(
            (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "32768") ?? 32768
    while true {
        let pid = Int32.random(in: (max - 3000)...(max - 100))
        if !taken.contains(pid) && !FileManager.default.fileExists(atPath: "/proc/\(pid)") { return pid }
    }
}
