import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// The transient cgroup of one launch (LaunchPlan's TransientCgroupPlan):
/// made with its limits before the child exists, and, once the program has
/// ended, emptied (SIGKILL to what is left), read for what the program used,
/// and removed. Every way out of a launch that made it goes through
/// `finish` or `remove`; only a swclone killed by SIGKILL leaves it behind.
final class TransientCgroup {
    let plan: TransientCgroupPlan
    /// O_PATH descriptor of the cgroup v2 directory, for CLONE_INTO_CGROUP; -1 without one.
    private(set) var fd: Int32 = -1
    /// The directories made, in order.
    private var made: [String] = []

    init(_ plan: TransientCgroupPlan) throws {
        self.plan = plan
        do {
            for placement in plan.placements { try make(placement) }
        } catch {
            remove()
            throw error
        }
    }

    private func make(_ placement: CgroupPlacement) throws {
        if !placement.enable.isEmpty {
            let names = Controllers.named.filter { placement.enable.contains($0.controller) }.map { "+" + $0.name }
            let err = writeCgroupFile(placement.parent + "/cgroup.subtree_control", names.joined(separator: " "))
            if err != 0 {
                let hint =
                    err == EBUSY
                    ? "; a cgroup v2 directory that holds processes cannot give its children controllers: "
                        + "give a --cgroup-parent without processes" : ""
                throw SwcloneError.setup(
                    "\(plan.options): cannot enable \(placement.enable.names) for the children of \(placement.parent) "
                        + "(cgroup.subtree_control): \(errnoText(err))\(hint)")
            }
        }
        var rc = mkdir(placement.directory, 0o755)
        // A swclone with the same PID that was killed by SIGKILL left it; an empty one goes.
        if rc != 0 && errno == EEXIST && rmdir(placement.directory) == 0 { rc = mkdir(placement.directory, 0o755) }
        guard rc == 0 else { throw cannotCreate(placement, errno) }
        made.append(placement.directory)
        if placement.version2 {
            fd = sw_open_directory_path(placement.directory)
            guard fd >= 0 else { throw SwcloneError.setup("\(plan.options): cannot open \(placement.directory): \(errnoText(errno))") }
        }
        for setting in placement.settings {
            let path = placement.directory + "/" + setting.file
            let err = writeCgroupFile(path, setting.value)
            if err == 0 || (err == ENOENT && setting.optional) { continue }
            throw SwcloneError.setup("\(plan.options): cannot write \(setting.value) to \(path): \(errnoText(err))")
        }
    }

    private func cannotCreate(_ placement: CgroupPlacement, _ err: Int32) -> SwcloneError {
        let names = placement.controllers.names
        let version =
            placement.version2 ? "cgroup v2" + (names.isEmpty ? "" : ", for \(names)") : "the cgroup v1 \(names) hierarchy"
        var line = "\(plan.options): cannot create the transient cgroup \(placement.directory) (\(version)): \(errnoText(err))"
        switch err {
        case EACCES, EPERM:
            line +=
                "; swclone may not create cgroups in \(placement.parent): run it as root, delegate that cgroup to its user, "
                + "or give --cgroup-parent DIR, a cgroup it may create children in"
            // Only the tree is wanted: a PID namespace holds it without any cgroup.
            if plan.placements.allSatisfy({ $0.controllers.isEmpty }) { line += "; or give --pid, whose end kills everything in it" }
        case EROFS:
            line +=
                "; the cgroup filesystem is mounted read-only here (a container?): mount it read-write, or give --pid without the limits"
        default:
            break
        }
        return .setup(line)
    }

    /// The directory that sees every process of the tree: cgroup v2's, or the first v1 one.
    private var tracking: CgroupPlacement? { plan.v2 ?? plan.v1.first }

    /// Whether a process is still in it. Killed processes leave at exit, zombies or not.
    func isPopulated() -> Bool {
        guard let dir = tracking?.directory else { return false }
        if plan.v2 != nil, let events = readTextFile(dir + "/cgroup.events") {
            return !events.split(separator: "\n").contains("populated 0")
        }
        return !(readTextFile(dir + "/cgroup.procs") ?? "").isEmpty
    }

    /// SIGKILL to every process in it: cgroup.kill (Linux 5.14), else, on older
    /// kernels and v1, each process listed, the cgroup frozen meanwhile where
    /// cgroup v2 can freeze it, until none is listed (a fork may add one).
    func killAll() {
        guard let dir = tracking?.directory else { return }
        if plan.v2 != nil && writeCgroupFile(dir + "/cgroup.kill", "1") == 0 { return }
        let frozen = plan.v2 != nil && writeCgroupFile(dir + "/cgroup.freeze", "1") == 0
        for _ in 0..<100 {
            let pids = (readTextFile(dir + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { pid_t($0) }
            if pids.isEmpty { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(1000)
        }
        if frozen { _ = writeCgroupFile(dir + "/cgroup.freeze", "0") }
    }

    /// Waits until the processes killed have exited (their exit is not
    /// synchronous with the kill): cgroup v2's cgroup.events signals each
    /// change with POLLPRI. False when some are left after `seconds`.
    func waitUntilEmpty(seconds: Double = 10) -> Bool {
        let deadline = monotonicNow() + seconds
        let events = plan.v2.map { open($0.directory + "/cgroup.events", O_RDONLY | O_CLOEXEC) } ?? -1
        defer { if events >= 0 { close(events) } }
        while isPopulated() {
            let left = deadline - monotonicNow()
            if left <= 0 { return false }
            if events >= 0 {
                var p = pollfd(fd: events, events: Int16(POLLPRI), revents: 0)
                _ = poll(&p, 1, Int32(min(left * 1000, 100)) + 1)
                // Reading it again rearms the notification.
                var byte: UInt8 = 0
                _ = pread(events, &byte, 1, 0)
            } else {
                usleep(2000)
            }
        }
        return true
    }

    /// What the program and everything it started used, from whichever directory has the
    /// controller: memory.peak and memory.events (v2) or their v1 counterparts, cpu.stat.
    func usage() -> CgroupUsage {
        var usage = CgroupUsage()
        if let memory = plan.v1.first(where: { $0.controllers.contains(.memory) })?.directory {
            usage.memoryPeak = readNumber(memory + "/memory.max_usage_in_bytes")
            usage.oomKills = readField("oom_kill", memory + "/memory.oom_control")
        } else if let dir = plan.v2?.directory {
            usage.memoryPeak = readNumber(dir + "/memory.peak")
            usage.oomKills = readField("oom_kill", dir + "/memory.events")
        }
        if let dir = plan.v2?.directory {
            usage.cpuUsec = readField("usage_usec", dir + "/cpu.stat")
        } else if let cpu = plan.v1.first(where: { $0.controllers.contains(.cpu) })?.directory,
            let nanoseconds = readNumber(cpu + "/cpuacct.usage")
        {
            usage.cpuUsec = nanoseconds / 1000
        }
        return usage
    }

    /// The end of the launch: whatever is left is killed, `readUsage` reads
    /// what was used, and the directories go. A directory that cannot go
    /// (a process that does not die) gets one line on stderr.
    func finish(readUsage: Bool) -> CgroupUsage? {
        var leftover = false
        // Nothing to read: rmdir answers whether anything is left (EBUSY), without reading cgroup.events.
        var empty = false
        if !readUsage, let v2 = plan.v2, rmdir(v2.directory) == 0 {
            empty = true
            made.removeAll { $0 == v2.directory }
        }
        if !empty && isPopulated() {
            killAll()
            leftover = !waitUntilEmpty()
        }
        let usage = readUsage ? self.usage() : nil
        if let failed = remove() {
            let why = leftover ? "processes in it did not end after SIGKILL" : errnoText(failed.err)
            warn("cannot remove the transient cgroup \(failed.dir): \(why)")
        }
        return usage
    }

    /// rmdir, newest first; the first directory that would not go, if any.
    @discardableResult
    func remove() -> (dir: String, err: Int32)? {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        var failed: (String, Int32)?
        for dir in made.reversed() where rmdir(dir) != 0 && errno != ENOENT {
            if failed == nil { failed = (dir, errno) }
        }
        made = []
        return failed
    }
}

/// What the program's tree used, read from its transient cgroup before removal.
struct CgroupUsage {
    var memoryPeak: UInt64?
    var cpuUsec: UInt64?
    var oomKills: UInt64?
}

/// Writes `text` to a cgroup file in one write(2): 0, or the errno.
func writeCgroupFile(_ path: String, _ text: String) -> Int32 {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return errno }
    var text = text
    let n = text.withUTF8 { write(fd, $0.baseAddress, $0.count) }
    let err = n < 0 ? errno : 0
    close(fd)
    return n == text.utf8.count ? 0 : (err == 0 ? EIO : err)
}

/// A file that holds one number (memory.peak, memory.max_usage_in_bytes).
private func readNumber(_ path: String) -> UInt64? {
    readTextFile(path).flatMap { UInt64($0.split(separator: "\n").first ?? "") }
}

/// The number after `key` in a "key value" file (memory.events, cpu.stat, memory.oom_control).
private func readField(_ key: String, _ path: String) -> UInt64? {
    guard let text = readTextFile(path) else { return nil }
    for line in text.split(separator: "\n") {
        let words = line.split(separator: " ")
        if words.count == 2 && words[0] == key { return UInt64(words[1]) }
    }
    return nil
}

/// CLOCK_MONOTONIC in seconds.
func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// A line on stderr, as the contract's error lines are: why the program ended, or what went wrong after it did.
func warn(_ message: String) {
    let line = errorLine(message) + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}
