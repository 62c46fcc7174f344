import ArgumentParser
import LaunchSpec

/// How the program is started: forked or in place, hostname, clock offsets.
enum ProcessOptions {
    static let group = OptionSection(
        "Process",
        [
            OptionSpec(.fork, "fork", short: "f", help: "Run the program in a child made by clone3 and wait for it."),
            OptionSpec(
                .forwardSignals, "forward-signals",
                help: "Accepted for util-linux compatibility: forwarding is always on with --fork."),
            OptionSpec(
                .hostname, "hostname", .required, valueName: "name", complete: .text,
                help: "Set the hostname in the new UTS namespace (implies --uts)."),
            OptionSpec(
                .monotonic, "monotonic", .required, valueName: "seconds", complete: .text,
                help: "Monotonic clock offset in the new time namespace (implies --time)."),
            OptionSpec(
                .boottime, "boottime", .required, valueName: "seconds", complete: .text,
                help: "Boot-time clock offset in the new time namespace (implies --time)."),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        spec.forkRequested = o.flag(.fork)
        if let hostname = o.last(.hostname) {
            guard !hostname.isEmpty, hostname.utf8.count <= 64 else {
                throw SwcloneError.usage("--hostname '\(hostname)': a hostname has 1 to 64 bytes")
            }
            spec.hostname = hostname
            spec.namespaces.insert(.uts)
        }
        spec.monotonicOffset = try o.integer(.monotonic)
        spec.boottimeOffset = try o.integer(.boottime)
        if spec.monotonicOffset != nil || spec.boottimeOffset != nil { spec.namespaces.insert(.time) }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct ProcessHelp: ParsableArguments {
    @Flag(name: [.customShort("f"), .long], help: ProcessOptions.group.help(.fork)) var fork = false
    @Flag(name: .long, help: ProcessOptions.group.help(.forwardSignals)) var forwardSignals = false
    @Option(name: .long, help: ProcessOptions.group.help(.hostname)) var hostname: String?
    @Option(name: .long, help: ProcessOptions.group.help(.monotonic)) var monotonic: String?
    @Option(name: .long, help: ProcessOptions.group.help(.boottime)) var boottime: String?
}
