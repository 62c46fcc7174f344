import ArgumentParser
import LaunchSpec

/// Capability sets and the privileges a program may gain (libcap names).
enum CapabilityOptions {
    static let group = OptionSection(
        "Capabilities and privileges",
        [
            OptionSpec(
                .capDrop, "cap-drop", .required, repeats: true, valueName: "cap[,cap...]|all", complete: .capability.commaList.or("all"),
                help: "Remove CAP from every capability set, bounding set included (repeatable; 'help' lists the names)."),
            OptionSpec(
                .capAdd, "cap-add", .required, repeats: true, valueName: "cap[,cap...]", complete: .capability.commaList,
                help: "Keep CAP for the program, ambient too when it is not UID 0 (repeatable)."),
            OptionSpec(
                .keepCaps, "keep-caps",
                help: "Keep the capabilities the program holds (a new user namespace grants them all) for a program that is not UID 0."),
            OptionSpec(
                .noNewPrivs, "no-new-privs",
                help: "Set PR_SET_NO_NEW_PRIVS: exec never grants privileges (set-user-ID, file capabilities)."),
            OptionSpec(
                .newSession, "new-session",
                help: "Start a new session (setsid), so the program cannot push input into your terminal."),
        ])

    /// `bubblewrap`: a bwrap command line, whose --cap-add and --cap-drop BwrapOptions reads.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec, bubblewrap: Bool) throws {
        let drops = o.all(.capDrop), adds = o.all(.capAdd)
        if (drops + adds).contains(where: { $0.lowercased() == "help" }) { throw Answer(text: nameList()) }
        if !bubblewrap && (!drops.isEmpty || !adds.isEmpty || o.flag(.keepCaps)) {
            spec.capabilities = CapabilityRequest(
                drop: try parseCapabilities(drops, option: "--cap-drop", allowAll: true),
                add: try parseCapabilities(adds, option: "--cap-add", allowAll: false),
                keepAll: o.flag(.keepCaps))
        }
        spec.noNewPrivileges = o.flag(.noNewPrivs)
        spec.newSession = o.flag(.newSession)
    }

    /// The names the running kernel knows, one a line.
    static func nameList() -> String {
        (0..<knownCapabilityCount()).map { capabilityName($0) + "\n" }.joined()
    }
}

/// swift-argument-parser's view of the group, for --help.
struct CapabilityHelp: ParsableArguments {
    @Option(name: .long, help: CapabilityOptions.group.help(.capDrop)) var capDrop: [String] = []
    @Option(name: .long, help: CapabilityOptions.group.help(.capAdd)) var capAdd: [String] = []
    @Flag(name: .long, help: CapabilityOptions.group.help(.keepCaps)) var keepCaps = false
    @Flag(name: .long, help: CapabilityOptions.group.help(.noNewPrivs)) var noNewPrivs = false
    @Flag(name: .long, help: CapabilityOptions.group.help(.newSession)) var newSession = false
}
