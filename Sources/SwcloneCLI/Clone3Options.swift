import ArgumentParser
import LaunchSpec

/// What only clone3 can do: choose the child's PIDs, start it inside a cgroup.
struct Clone3Options: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The child's PID in each PID namespace, innermost first, as clone3's set_tid (with --pid the first is 1). Implies --fork.",
        valueName: "pid[,pid...]"))
    var setTid: String?
    @Option(name: .long, help: ArgumentHelp(
        "Start the child inside this cgroup v2 directory (CLONE_INTO_CGROUP). Implies --fork.", valueName: "dir"))
    var intoCgroup: String?

    static let shapes: [OptionShape] = [OptionShape("set-tid", .required), OptionShape("into-cgroup", .required)]

    /// After NamespaceOptions: the first PID's rule depends on --pid.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if let text = o.last("set-tid") {
            // swclone enter into a PID namespace: its depth is the target's, known only to the kernel.
            let join = spec.join
            let joinsPID = join.map { $0.all || $0.fromTarget.contains(.pid) || $0.files[.pid] != nil } ?? false
            spec.setTID = try parseSetTID(text, newPIDNamespace: spec.namespaces.contains(.pid),
                                          pidMax: currentPIDMax(), levels: joinsPID ? nil : .current())
            spec.fork = true
        }
        if let dir = try o.path("into-cgroup") {
            spec.intoCgroup = dir
            spec.fork = true
        }
    }

    /// /proc/sys/kernel/pid_max, or the kernel's upper limit when it cannot be read.
    private static func currentPIDMax() -> Int {
        readTextFile("/proc/sys/kernel/pid_max").flatMap { Int($0.split(separator: "\n").first ?? "") } ?? 4_194_304
    }
}
