import ArgumentParser
import LaunchSpec

/// --propagation's values, with unshare's "unchanged".
enum PropagationChoice: String, CaseIterable {
    case `private`, shared, slave, unchanged
}

/// /proc, propagation, root and working directory.
enum MountOptions {
    static let group = OptionSection(
        "Mounts and files",
        [
            OptionSpec(
                .mountProc, "mount-proc", .optional, valueName: "dir", complete: .directory,
                help: "Mount a new proc filesystem on /proc (implies --mount). --mount-proc=DIR mounts it on DIR."),
            OptionSpec(
                .propagation, "propagation", .required, valueName: "private|shared|slave|unchanged",
                complete: .choices("private|shared|slave|unchanged"),
                help: "Propagation of / in the new mount namespace (default: private)."),
            OptionSpec(
                .root, "root", short: "R", .required, valueName: "dir", complete: .directory,
                help: "Change root to this directory before running the program."),
            OptionSpec(.wd, "wd", short: "w", .required, valueName: "dir", complete: .directory, help: "Working directory of the program."),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if let propagation = try o.choice(.propagation, as: PropagationChoice.self) {
            spec.rootPropagation = Propagation(rawValue: propagation.rawValue)
        }
        if o.flag(.mountProc) {
            let dir = o.last(.mountProc) ?? "/proc"
            guard !dir.isEmpty else { throw SwcloneError.usage("--mount-proc=: the directory is empty") }
            // A shared / would carry the new proc mount out to the caller's namespace.
            if spec.rootPropagation == .shared {
                throw SwcloneError.usage("--mount-proc with --propagation shared would mount proc on the host too")
            }
            spec.procMountPoint = dir
            spec.namespaces.insert(.mount)
        }
        spec.root = try o.path(.root)
        spec.workingDirectory = try o.path(.wd)
    }
}

/// swift-argument-parser's view of the group, for --help.
struct MountHelp: ParsableArguments {
    @Flag(name: .long, help: MountOptions.group.help(.mountProc)) var mountProc = false
    @Option(name: .long, help: MountOptions.group.help(.propagation)) var propagation: String?
    @Option(name: [.customShort("R"), .long], help: MountOptions.group.help(.root)) var root: String?
    @Option(name: [.customShort("w"), .long], help: MountOptions.group.help(.wd)) var wd: String?
}
