/// The eight namespace types swclone can create or join.
public enum Namespace: String, CaseIterable, Sendable, Comparable {
    case user, pid, mount, uts, ipc, net, cgroup, time

    /// The option that asks for it, as in unshare(1).
    public var option: String { "--\(rawValue)" }

    /// The file name under /proc/PID/ns/.
    public var procName: String {
        switch self {
        case .mount: "mnt"
        default: rawValue
        }
    }

    public static func < (a: Namespace, b: Namespace) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
