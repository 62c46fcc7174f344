import ArgumentParser
import LaunchSpec

/// `swclone [options] [--] [program [argument...]]`
public struct LaunchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "swclone",
        abstract: "Run a program in new Linux namespaces (unshare, done on clone3).",
        usage: "swclone [options] [--] [program [argument...]]",
        discussion: """
            With no program, runs $SHELL, or /bin/sh when that is unset. Everything after the \
            program name belongs to the program. Without --fork (or an option that needs a child) \
            swclone unshares in place and execs, so the program keeps swclone's PID.

            Exit status: the program's; 64 usage error; 125 a set-up step failed; 126 the program \
            cannot be run; 127 it was not found. A program killed by a signal kills swclone with it.
            """,
        version: swcloneVersion)

    @OptionGroup(title: "Namespaces") var namespaces: NamespaceOptions
    @OptionGroup(title: "Process") var process: ProcessOptions
    @OptionGroup(title: "Supervision") var supervision: SupervisionOptions
    @OptionGroup(title: "Mounts and files") var mounts: MountOptions
    @OptionGroup(title: "Users and groups") var users: UserOptions
    @OptionGroup(title: "Environment") var environment: EnvironmentOptions

    @Argument(parsing: .postTerminator,
              help: ArgumentHelp("The program and its arguments (default: $SHELL, then /bin/sh).", valueName: "program"))
    var command: [String] = []

    public init() {}

    /// Every option, for the scanner; a unit test keeps it in step with the declarations above.
    static let shapes: [OptionShape] = builtinShapes + NamespaceOptions.shapes + ProcessOptions.shapes
        + SupervisionOptions.shapes + MountOptions.shapes + UserOptions.shapes + EnvironmentOptions.shapes

    /// The launch a scanned command line asks for, with every implication
    /// applied. `callerEnvironment` is swclone's own KEY=VALUE list.
    public static func makeSpec(_ o: ParsedOptions, callerEnvironment: [String]) throws -> LaunchSpec {
        let caller = Dictionary(callerEnvironment.map(splitEntry), uniquingKeysWith: { first, _ in first })
        var argv = o.program
        if argv.isEmpty { argv = [caller["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"] }
        guard !argv[0].isEmpty else { throw SwcloneError.usage("the program name is empty") }

        var spec = LaunchSpec(argv: argv,
                              executableCandidates: executableCandidates(for: argv[0], searchPath: caller["PATH"]),
                              environment: EnvironmentOptions.environment(o, caller: callerEnvironment))
        try NamespaceOptions.apply(o, to: &spec)
        try ProcessOptions.apply(o, to: &spec)
        try MountOptions.apply(o, to: &spec)
        try UserOptions.apply(o, to: &spec)
        try SupervisionOptions.apply(o, to: &spec)
        if spec.namespaces.contains(.pid) { spec.fork = true }
        return spec
    }
}

private func splitEntry(_ entry: String) -> (String, String) {
    let name = entry.prefix { $0 != "=" }
    return (String(name), String(entry.dropFirst(name.count + 1)))
}
