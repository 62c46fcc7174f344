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
        version: swcloneVersion,
        subcommands: [EnterCommand.self])

    @OptionGroup(title: "Namespaces") var namespaces: NamespaceOptions
    @OptionGroup(title: "Process") var process: ProcessOptions
    @OptionGroup(title: "Process") var clone3: Clone3Options
    @OptionGroup(title: "Supervision") var supervision: SupervisionOptions
    @OptionGroup(title: "Mounts and files") var mounts: MountOptions
    @OptionGroup(title: "Users and groups") var users: UserOptions
    @OptionGroup(title: "Environment") var environment: EnvironmentOptions
    @OptionGroup(title: "Capabilities and privileges") var capabilities: CapabilityOptions
    @OptionGroup(title: "Output for scripts") var status: StatusOptions

    @Argument(parsing: .postTerminator,
              help: ArgumentHelp("The program and its arguments (default: $SHELL, then /bin/sh).", valueName: "program"))
    var command: [String] = []

    public init() {}

    /// Every option, for the scanner; a unit test keeps it in step with the declarations above.
    static let shapes = OptionShapes(builtinShapes, NamespaceOptions.shapes, ProcessOptions.shapes,
        Clone3Options.shapes, SupervisionOptions.shapes, MountOptions.shapes, UserOptions.shapes,
        EnvironmentOptions.shapes, CapabilityOptions.shapes, StatusOptions.shapes)

    /// The launch a scanned command line asks for, with every implication
    /// applied. `callerEnvironment` is swclone's own KEY=VALUE list.
    public static func makeSpec(_ o: ParsedOptions, callerEnvironment: [String]) throws -> LaunchSpec {
        try makeSpec(o, caller: CallerEnvironment(callerEnvironment))
    }

    static func makeSpec(_ o: ParsedOptions, caller: CallerEnvironment) throws -> LaunchSpec {
        var spec = try programSpec(o, caller: caller)
        try NamespaceOptions.apply(o, to: &spec)
        try ProcessOptions.apply(o, to: &spec)
        try MountOptions.apply(o, to: &spec)
        try UserOptions.apply(o, to: &spec)
        try CapabilityOptions.apply(o, to: &spec)
        try Clone3Options.apply(o, to: &spec)
        try StatusOptions.apply(o, to: &spec)
        try SupervisionOptions.apply(o, to: &spec)
        if spec.namespaces.contains(.pid) { spec.fork = true }
        return spec
    }
}
