import ArgumentParser
import LaunchSpec

/// How the program is started: forked or in place, hostname, clock offsets.
struct ProcessOptions: ParsableArguments {
    @Flag(name: [.customShort("f"), .long], help: "Run the program in a child made by clone3 and wait for it.")
    var fork = false
    @Flag(name: .long, help: "Accepted for util-linux compatibility: forwarding is always on with --fork.")
    var forwardSignals = false
    @Option(name: .long, help: ArgumentHelp("Set the hostname in the new UTS namespace (implies --uts).", valueName: "name"))
    var hostname: String?
    @Option(name: .long, help: ArgumentHelp("Monotonic clock offset in the new time namespace (implies --time).", valueName: "seconds"))
    var monotonic: Int64?
    @Option(name: .long, help: ArgumentHelp("Boot-time clock offset in the new time namespace (implies --time).", valueName: "seconds"))
    var boottime: Int64?

    static let shapes: [OptionShape] = [
        OptionShape("fork", short: "f"), OptionShape("forward-signals"),
        OptionShape("hostname", .required), OptionShape("monotonic", .required), OptionShape("boottime", .required),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        spec.fork = spec.fork || o.flag("fork")
        if let hostname = o.last("hostname") {
            guard !hostname.isEmpty, hostname.utf8.count <= 64 else {
                throw SwcloneError.usage("--hostname '\(hostname)': a hostname has 1 to 64 bytes")
            }
            spec.hostname = hostname
            spec.namespaces.insert(.uts)
        }
        spec.monotonicOffset = try o.integer("monotonic")
        spec.boottimeOffset = try o.integer("boottime")
        if spec.monotonicOffset != nil || spec.boottimeOffset != nil { spec.namespaces.insert(.time) }
    }
}
