import ArgumentParser
import LaunchSpec

/// How long the program may run and what it may use: timeout(1), a transient
/// cgroup with its limits, prlimit(1)'s resource limits.
enum LimitOptions {
    static let group = OptionSection(
        "Limits and time",
        [
            OptionSpec(
                .timeout, "timeout", .required, valueName: "duration[,kill-after]", complete: .text,
                help:
                    "As timeout(1): SIGTERM to the program after DURATION (90, 1.5s, 10m, 2h), SIGKILL to everything it started KILL-AFTER later (default 5s); exit status 124 (137 when SIGKILL was needed). Implies --kill-tree and --fork."
            ),
            OptionSpec(
                .killTree, "kill-tree",
                help:
                    "When the program ends, kill whatever it left behind (its transient cgroup, or its PID namespace with --pid). Implies --fork."
            ),
            OptionSpec(
                .memoryMax, "memory-max", .required, valueName: "bytes", complete: .text,
                help:
                    "Limit the memory of the program and everything it starts, swap included, in a transient cgroup (48M, 2G). Implies --kill-tree."
            ),
            OptionSpec(
                .pidsMax, "pids-max", .required, valueName: "n", complete: .text,
                help:
                    "Limit the number of processes and threads of the program and its descendants, in a transient cgroup. Implies --kill-tree."
            ),
            OptionSpec(
                .cpuMax, "cpu-max", .required, valueName: "cpus", complete: .text,
                help:
                    "Limit the CPU time of the program and its descendants to this many CPUs (1.5), in a transient cgroup. Implies --kill-tree."
            ),
            OptionSpec(
                .cgroupParent, "cgroup-parent", .required, repeats: true, valueName: "dir", complete: .directory,
                help:
                    "Make the transient cgroup in this cgroup directory instead of under swclone's own cgroup (repeatable: one per cgroup hierarchy)."
            ),
            OptionSpec(
                .rlimit, "rlimit", .required, repeats: true, valueName: "name=soft[:hard]", complete: .text,
                help:
                    "Set a resource limit of the program, with prlimit(1)'s names and values (nofile=1024:4096, core=0, as=unlimited); repeatable."
            ),
        ])

    /// After the namespace and clone3 options: --into-cgroup and --pid decide what a tree kill needs.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        // One pass over the command line: the group's keys are declared together.
        let first = OptionKey.timeout.rawValue, last = OptionKey.rlimit.rawValue
        guard o.occurrences.contains(where: { $0.key.rawValue >= first && $0.key.rawValue <= last }) else { return }
        var limits = Limits()
        if let text = o.last(.timeout) { limits.timeout = try parseTimeout(text) }
        limits.killTree = o.flag(.killTree)
        if let text = o.last(.memoryMax) {
            guard let bytes = parseBytes(text), bytes > 0 else {
                throw SwcloneError.usage("--memory-max \(text): not a size in bytes (a whole number, with K, M, G or T: 48M, 2G)")
            }
            limits.memoryMax = bytes
        }
        if let text = o.last(.pidsMax) {
            // The kernel's PID_MAX_LIMIT: pids.max takes no more.
            guard let n = UInt64(text), (1...4_194_304).contains(n) else {
                throw SwcloneError.usage("--pids-max \(text): not a number of processes from 1 to 4194304")
            }
            limits.pidsMax = n
        }
        if let text = o.last(.cpuMax) {
            guard let quota = parseCPUs(text) else {
                throw SwcloneError.usage("--cpu-max \(text): not a number of CPUs from 0.01 to 100000 (1, 1.5, 0.25)")
            }
            limits.cpuMax = quota
        }
        for dir in o.all(.cgroupParent) {
            guard !dir.isEmpty else { throw SwcloneError.usage("--cgroup-parent: the path is empty") }
            limits.cgroupParents.append(dir)
        }
        for text in o.all(.rlimit) { limits.resourceLimits.append(try parseResourceLimit(text)) }

        let newPID = spec.namespaces.contains(.pid)
        if let dir = spec.intoCgroup, limits.limitsCgroup || (limits.killTree && !newPID) || !limits.cgroupParents.isEmpty {
            throw SwcloneError.usage(
                "--into-cgroup \(dir) and \(limits.cgroupOptions): the program would start in \(dir), not in the transient cgroup they need; "
                    + "give --cgroup-parent \(dir) to make that cgroup inside it")
        }
        if !limits.cgroupParents.isEmpty && !limits.killsTree {
            throw SwcloneError.usage(
                "--cgroup-parent \(limits.cgroupParents[0]): nothing makes a transient cgroup (that takes --memory-max, --pids-max, --cpu-max, --kill-tree or --timeout)"
            )
        }
        spec.limits = limits
    }
}

/// swift-argument-parser's view of the group, for --help and completions.
struct LimitHelp: ParsableArguments {
    @Option(name: .long, help: LimitOptions.group.help(.timeout)) var timeout: String?
    @Flag(name: .long, help: LimitOptions.group.help(.killTree)) var killTree = false
    @Option(name: .long, help: LimitOptions.group.help(.memoryMax)) var memoryMax: String?
    @Option(name: .long, help: LimitOptions.group.help(.pidsMax)) var pidsMax: String?
    @Option(name: .long, help: LimitOptions.group.help(.cpuMax)) var cpuMax: String?
    @Option(name: .long, help: LimitOptions.group.help(.cgroupParent)) var cgroupParent: [String] = []
    @Option(name: .long, help: LimitOptions.group.help(.rlimit)) var rlimit: [String] = []
}
