#if canImport(Glibc)
import Glibc
#endif

/// The most entries clone3 takes in set_tid (the kernel's MAX_PID_NS_LEVEL).
public let maxSetTIDEntries = 32

/// How many PID namespaces a process lives in, as far as it can tell: one
/// per NSpid entry in /proc/self/status. NSpid lists only the levels the
/// /proc mount's namespace sees, so the count is `exact` only when /proc
/// belongs to the initial PID namespace (or the process lives there).
public struct PIDNamespaceLevels: Equatable, Sendable {
    public var visible: Int
    public var exact: Bool

    public init(visible: Int, exact: Bool) {
        self.visible = visible
        self.exact = exact
    }

    /// The inode of the initial PID namespace (the kernel's PROC_PID_INIT_INO).
    static let initialNamespaceInode: UInt64 = 0xEFFF_FFFC

    /// The caller's levels, or nil when /proc does not tell.
    public static func current() -> PIDNamespaceLevels? {
        if namespaceInode("/proc/self/ns/pid") == initialNamespaceInode { return .init(visible: 1, exact: true) }
        guard let status = readTextFile("/proc/self/status"),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") })
        else { return nil }
        let count = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).count - 1
        return .init(visible: count, exact: namespaceInode("/proc/1/ns/pid") == initialNamespaceInode)
    }

    private static func namespaceInode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }
}

/// The set_tid array `--set-tid text` asks for, checked for what the text
/// alone tells: numbers, at least 1, at most 32 entries, and PID 1 first in
/// a new PID namespace. The launch plan checks the rest against the system
/// (`checkSetTID`).
public func parseSetTID(_ text: String, newPIDNamespace: Bool) throws -> [pid_t] {
    func refuse(_ why: String) -> SwcloneError { .usage("--set-tid \(text): \(why)") }
    var pids: [pid_t] = []
    for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
        guard let pid = pid_t(entry) else { throw refuse("'\(entry)' is not a PID") }
        guard pid >= 1 else { throw refuse("PID \(pid) is out of range: PIDs start at 1") }
        pids.append(pid)
    }
    guard pids.count <= maxSetTIDEntries else {
        throw refuse("\(pids.count) PIDs: clone3 takes at most \(maxSetTIDEntries), one per PID namespace level")
    }
    if newPIDNamespace, pids[0] != 1 {
        throw refuse("with --pid the first PID is the child's in its new PID namespace, where it is init, and must be 1")
    }
    return pids
}

/// What can be known before clone3 about `pids` on this system: each below
/// pid_max, and no more entries than the child's PID namespace levels (the
/// caller's, +1 with a new PID namespace) where /proc tells them exactly.
public func checkSetTID(_ pids: [pid_t], newPIDNamespace: Bool, pidMax: Int, levels: PIDNamespaceLevels?) throws {
    let text = pids.map(String.init).joined(separator: ",")
    func refuse(_ why: String) -> SwcloneError { .usage("--set-tid \(text): \(why)") }
    if let pid = pids.first(where: { Int($0) >= pidMax }) {
        throw refuse("PID \(pid) is out of range: PIDs go from 1 to \(pidMax - 1) (/proc/sys/kernel/pid_max is \(pidMax))")
    }
    if let levels, levels.exact {
        let childLevels = levels.visible + (newPIDNamespace ? 1 : 0)
        guard pids.count <= childLevels else {
            let how = newPIDNamespace ? "the caller's \(levels.visible) and the new one" : "the caller's"
            throw refuse(
                "\(pids.count) PIDs for \(childLevels) PID namespace level\(childLevels == 1 ? "" : "s") (\(how)): one PID per level, innermost first"
            )
        }
    }
}
