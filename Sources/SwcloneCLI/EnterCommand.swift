import ArgumentParser
import LaunchSpec

/// `swclone enter [options] [--] [program [argument...]]`: nsenter(1) on the
/// clone core. Entry.swift sends a command line whose first word is `enter`
/// here; a program named `enter` is run with `swclone -- enter`.
enum EnterOptions {
    static let table = CommandOptions(
        name: "swclone enter",
        groups: [
            EnterNamespaceOptions.group, EnterProcessOptions.group, Clone3Options.group, CapabilityOptions.group,
            StatusOptions.group,
        ])

    /// The join a scanned `enter` command line asks for, checked as nsenter does.
    static func makeSpec(_ o: ParsedOptions, caller: CallerEnvironment) throws -> LaunchSpec {
        var spec = try programSpec(o, caller: caller)
        var join = NamespaceJoin()
        try EnterNamespaceOptions.apply(o, to: &join)
        try EnterProcessOptions.apply(o, to: &spec, join: &join)
        try Clone3Options.apply(o, to: &spec)
        try CapabilityOptions.apply(o, to: &spec, bubblewrap: false)
        try StatusOptions.apply(o, to: &spec)
        try check(join)
        if join.noFork && (!spec.setTID.isEmpty || spec.intoCgroup != nil || spec.jsonStatusFD != nil) {
            throw SwcloneError.usage("enter: --no-fork conflicts with --set-tid, --into-cgroup and --json-status, which need a child")
        }
        if join.joinCgroup && spec.intoCgroup != nil {
            throw SwcloneError.usage("enter: --join-cgroup and --into-cgroup name two cgroups; give one")
        }
        spec.join = join
        return spec
    }

    /// nsenter's rules: something to join, and a target for whatever is taken from one.
    private static func check(_ join: NamespaceJoin) throws {
        if join.fromTarget.isEmpty && join.files.isEmpty && !join.all && join.netSocket == nil && !join.userParent {
            throw SwcloneError.usage("enter: no namespace to join: give --all or -m -u -i -n -p -U -C -T")
        }
        guard join.target == nil else { return }
        let needs: [(Bool, String)] =
            [
                (join.all, "--all"), (join.root == .target, "--root"), (join.workingDirectory == .target, "--wd"),
                (join.targetEnvironment, "--env"), (join.followUID, "--setuid follow"),
                (join.followGID, "--setgid follow"), (join.joinCgroup, "--join-cgroup"),
                (join.netSocket != nil, "--net-socket"), (join.userParent && join.files[.user] == nil, "--user-parent"),
                (join.followContext, "--follow-context"),
            ] + join.fromTarget.sorted().map { (true, $0.option) }
        if let (_, option) = needs.first(where: \.0) {
            let isNamespace = Namespace.allCases.contains { $0.option == option }
            throw SwcloneError.usage("enter: \(option) needs --target PID" + (isNamespace ? " (or \(option)=FILE)" : ""))
        }
    }
}

/// swift-argument-parser's view of `swclone enter`, for --help.
public struct EnterCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "enter",
        abstract: "Run a program in the namespaces of another process (nsenter).",
        usage: "swclone enter [options] [--] [program [argument...]]",
        discussion: """
            Joins every requested namespace of the target at once (setns on its pidfd), or the \
            namespaces bind-mounted on the given files. Joining a PID namespace creates the \
            program with clone3 inside it; otherwise, and with --no-fork, the program replaces swclone. \
            With no program, runs $SHELL, or /bin/sh when that is unset, as a login shell (argv[0] -NAME).

            Exit status: the program's; 64 usage error; 125 a set-up step failed (no such process, \
            a namespace that may not be joined, a file that is not a namespace...); 126 the program \
            cannot be run; 127 it was not found.
            """,
        version: swcloneVersion)

    @OptionGroup(title: "Namespaces to join") var namespaces: EnterNamespaceHelp
    @OptionGroup(title: "Process") var process: EnterProcessHelp
    @OptionGroup(title: "Process") var clone3: Clone3Help
    @OptionGroup(title: "Capabilities and privileges") var capabilities: CapabilityHelp
    @OptionGroup(title: "Output for scripts") var status: StatusHelp

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("The program and its arguments (default: $SHELL, then /bin/sh).", valueName: "program"))
    var command: [String] = []

    public init() {}
}
