import ArgumentParser
import LaunchSpec

/// --propagation's values, with unshare's "unchanged".
enum PropagationChoice: String, ExpressibleByArgument, CaseIterable {
    case `private`, shared, slave, unchanged
}

/// /proc, propagation, root and working directory.
struct MountOptions: ParsableArguments {
    @Flag(name: .long, help: "Mount a new proc filesystem on /proc (implies --mount). --mount-proc=DIR mounts it on DIR.")
    var mountProc = false
    @Option(name: .customLong("mount-proc-dir"), help: .private) var mountProcDir: String?
    @Option(name: .long, help: ArgumentHelp("Propagation of / in the new mount namespace (default: private).", valueName: "private|shared|slave|unchanged"))
    var propagation: PropagationChoice?
    @Option(name: [.customShort("R"), .long], help: ArgumentHelp("Change root to this directory before running the program.", valueName: "dir"))
    var root: String?
    @Option(name: [.customShort("w"), .long], help: ArgumentHelp("Working directory of the program.", valueName: "dir"))
    var wd: String?

    static let shapes: [OptionShape] = [
        OptionShape("mount-proc", .attached(hidden: "mount-proc-dir")), OptionShape("propagation", .required),
        OptionShape("root", short: "R", .required), OptionShape("wd", short: "w", .required),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if let propagation = try o.choice("propagation", as: PropagationChoice.self) {
            spec.rootPropagation = Propagation(rawValue: propagation.rawValue)
        }
        if o.flag("mount-proc") {
            let dir = o.last("mount-proc-dir") ?? "/proc"
            guard !dir.isEmpty else { throw SwcloneError.usage("--mount-proc=: the directory is empty") }
            // A shared / would carry the new proc mount out to the caller's namespace.
            if spec.rootPropagation == .shared {
                throw SwcloneError.usage("--mount-proc with --propagation shared would mount proc on the host too")
            }
            spec.procMountPoint = dir
            spec.namespaces.insert(.mount)
        }
        spec.root = try o.path("root")
        spec.workingDirectory = try o.path("wd")
    }
}
