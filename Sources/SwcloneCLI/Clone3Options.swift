import ArgumentParser
import LaunchSpec

/// What only clone3 can do: choose the child's PIDs, start it inside a cgroup.
enum Clone3Options {
    static let group = OptionSection(
        "Process",
        [
            OptionSpec(
                .setTID, "set-tid", .required, valueName: "pid[,pid...]", complete: .text,
                help:
                    "The child's PID in each PID namespace, innermost first, as clone3's set_tid (with --pid the first is 1). Implies --fork."
            ),
            OptionSpec(
                .intoCgroup, "into-cgroup", .required, valueName: "dir", complete: .directory,
                help: "Start the child inside this cgroup v2 directory (CLONE_INTO_CGROUP). Implies --fork."),
        ])

    /// After the namespace options: the first PID's rule depends on --pid.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if let text = o.last(.setTID) {
            spec.setTID = try parseSetTID(text, newPIDNamespace: spec.namespaces.contains(.pid))
        }
        spec.intoCgroup = try o.path(.intoCgroup)
    }
}

/// swift-argument-parser's view of the group, for --help.
struct Clone3Help: ParsableArguments {
    @Option(name: .long, help: Clone3Options.group.help(.setTID)) var setTid: String?
    @Option(name: .long, help: Clone3Options.group.help(.intoCgroup)) var intoCgroup: String?
}
