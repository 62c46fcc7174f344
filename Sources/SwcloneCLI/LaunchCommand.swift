import ArgumentParser
import LaunchSpec

/// `swclone [options] [--] [program [argument...]]`
enum LaunchOptions {
    static let table = CommandOptions(
        name: "swclone",
        groups: [
            NamespaceOptions.group, ProcessOptions.group, Clone3Options.group, SupervisionOptions.group, MountOptions.group,
            UserOptions.group, EnvironmentOptions.group, CapabilityOptions.group, LimitOptions.group, StatusOptions.group,
            ViewOptions.group, BwrapOptions.group, SeccompOptions.group,
        ], answering: { [HostCheckOptions.group] })

    /// The launch a scanned command line asks for, with the contract's implications applied.
    static func makeSpec(_ o: ParsedOptions, caller: CallerEnvironment, startedAsBwrap: Bool = false) throws -> LaunchSpec {
        var spec = try programSpec(o, caller: caller)
        let bubblewrap = BwrapOptions.isBwrapCommandLine(o, startedAsBwrap: startedAsBwrap)
        try NamespaceOptions.apply(o, to: &spec)
        try ProcessOptions.apply(o, to: &spec)
        try MountOptions.apply(o, to: &spec)
        try UserOptions.apply(o, to: &spec)
        try CapabilityOptions.apply(o, to: &spec, bubblewrap: bubblewrap)
        try Clone3Options.apply(o, to: &spec)
        try LimitOptions.apply(o, to: &spec)
        try StatusOptions.apply(o, to: &spec)
        try SupervisionOptions.apply(o, to: &spec)
        try ViewOptions.apply(o, to: &spec)
        if bubblewrap { try BwrapOptions.apply(o, to: &spec, caller: caller) }
        // As bwrap's execvp(3) after the environment is set: the program's own PATH finds it.
        if bubblewrap, let environment = spec.environment {
            let path = environment.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            if path != caller.value("PATH") {
                spec.executableCandidates = executableCandidates(for: spec.argv[0], searchPath: path)
            }
        }
        // Last: it reads the descriptors, which may block, once every cheaper check has passed.
        try SeccompOptions.apply(o, to: &spec)
        return spec
    }
}

/// swift-argument-parser's view of the launch command: it answers --help and
/// is never asked to parse a launch (--version and the completion scripts are
/// swclone's own: VersionText.swift, CompletionScript.swift).
public struct LaunchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "swclone",
        abstract: "Run a program in new Linux namespaces (unshare, done on clone3).",
        usage: "swclone [options] [--] [program [argument...]]",
        discussion: """
            With no program, runs $SHELL, or /bin/sh when that is unset, as a login shell (argv[0] -NAME). Everything after the \
            program name belongs to the program. Without --fork (or an option that needs a child) \
            swclone unshares in place and execs, so the program keeps swclone's PID.

            Exit status: the program's; 64 usage error; 124 --timeout ran out (137 when SIGKILL was \
            needed); 125 a set-up step failed; 126 the program cannot be run; 127 it was not found. A \
            program killed by a signal kills swclone with it.
            """,
        version: swcloneVersion,
        subcommands: [EnterCommand.self])

    @OptionGroup(title: "Namespaces") var namespaces: NamespaceHelp
    @OptionGroup(title: "Process") var process: ProcessHelp
    @OptionGroup(title: "Process") var clone3: Clone3Help
    @OptionGroup(title: "Supervision") var supervision: SupervisionHelp
    @OptionGroup(title: "Mounts and files") var mounts: MountHelp
    @OptionGroup(title: "Users and groups") var users: UserHelp
    @OptionGroup(title: "Environment") var environment: EnvironmentHelp
    @OptionGroup(title: "Capabilities and privileges") var capabilities: CapabilityHelp
    @OptionGroup(title: "Limits and time") var limits: LimitHelp
    @OptionGroup(title: "Output for scripts") var status: StatusHelp
    @OptionGroup(title: "Filesystem view (as bubblewrap)") var view: ViewHelp
    @OptionGroup(title: "bubblewrap's options") var bwrap: BwrapHelp
    @OptionGroup(title: "Seccomp") var seccomp: SeccompHelp
    @OptionGroup(title: "Host check") var hostCheck: HostCheckHelp

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("The program and its arguments (default: $SHELL, then /bin/sh).", valueName: "program"))
    var command: [String] = []

    public init() {}
}
