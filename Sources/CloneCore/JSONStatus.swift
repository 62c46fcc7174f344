import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// --json-status: bubblewrap's --json-status-fd lines. Once the program has
/// started, `{ "child-pid": N, "pid-namespace": INODE, ... }` with each
/// namespace the child got new; when it ends, `{ "exit-code": N }` (for a
/// signal, 128+N as bubblewrap writes it, and "exit-signal": N beside it),
/// then why it ended ("exit-reason") and, from a transient cgroup, what the
/// program and everything it started used.
/// Nothing is written when a set-up step fails: the error line says why.
final class JSONStatus {
    let fd: Int32
    /// Shared with the child (MAP_SHARED): the time namespace is made by the
    /// child after clone3, so only the child can tell its inode.
    let timeNamespaceSlot: UnsafeMutablePointer<UInt64>?

    /// bubblewrap's key order, then the two namespaces it never reports.
    private static let order: [Namespace] = [.cgroup, .ipc, .mount, .net, .pid, .uts, .user, .time]

    init(_ plan: StatusPlan) {
        fd = plan.fd
        // The program must not inherit the status descriptor (as in bubblewrap), unless it is stdout.
        if fd > STDERR_FILENO { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
        var slot: UnsafeMutablePointer<UInt64>?
        if plan.reportsTimeNamespace {
            let page = mmap(nil, MemoryLayout<UInt64>.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
            if let page, page != MAP_FAILED { slot = page.bindMemory(to: UInt64.self, capacity: 1) }
        }
        timeNamespaceSlot = slot
    }

    deinit {
        if let slot = timeNamespaceSlot { munmap(slot, MemoryLayout<UInt64>.size) }
    }

    /// The inodes of the child's new namespaces but time. Read while the
    /// child waits on the sync pipe: a program as fast as /bin/true has
    /// released its namespaces by the time exec is known to have worked.
    static func namespaceInodes(pid: pid_t, namespaces: Set<Namespace>) -> [(Namespace, UInt64)] {
        order.compactMap { ns in
            guard ns != .time, namespaces.contains(ns) else { return nil }
            let inode = sw_inode("/proc/\(pid)/ns/\(ns.procName)")
            return inode == 0 ? nil : (ns, inode)
        }
    }

    /// The first line, once the program has exec'd.
    func started(pid: pid_t, namespaces: [(Namespace, UInt64)]) throws {
        guard Self.writeFirstLine(fd: fd, pid: pid, namespaces: namespaces, timeNamespace: timeNamespaceSlot?.pointee) else {
            throw SwcloneError.setup("--json-status \(fd): cannot write the status: \(errnoText(errno))")
        }
    }

    /// `{ "child-pid": N, "mnt-namespace": INODE, ... }`, as bubblewrap writes it to --json-status-fd
    /// (and `indented`, a key a line, to --info-fd).
    @discardableResult
    static func writeFirstLine(
        fd: Int32, pid: pid_t, namespaces: [(Namespace, UInt64)], timeNamespace: UInt64? = nil, indented: Bool = false
    ) -> Bool {
        var json = JSONLine(indented: indented)
        json.add("child-pid", pid)
        for (ns, inode) in namespaces { json.add("\(ns.procName)-namespace", inode) }
        if let inode = timeNamespace, inode != 0 { json.add("time-namespace", inode) }
        return writeAll(fd, json.line)
    }

    /// The last line. A reader that went away is no reason to change how swclone ends.
    func ended(_ result: LaunchResult) {
        var json = JSONLine()
        switch result.end {
        case .exited(let status):
            json.add("exit-code", status)
        case .killed(let signal):
            json.add("exit-code", 128 + signal)
            json.add("exit-signal", signal)
        }
        json.add("exit-reason", string: result.reason.rawValue)
        if let usage = result.usage {
            if let bytes = usage.memoryPeak { json.add("memory-peak", bytes) }
            if let usec = usage.cpuUsec { json.add("cpu-usec", usec) }
            if let kills = usage.oomKills { json.add("oom-kills", kills) }
        }
        _ = Self.writeAll(fd, json.line)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }
}
