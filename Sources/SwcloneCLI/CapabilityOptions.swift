import ArgumentParser
import LaunchSpec

/// Capability sets and the privileges a program may gain (libcap names).
struct CapabilityOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Remove CAP from every capability set, bounding set included (repeatable; 'help' lists the names).", valueName: "cap[,cap...]|all"))
    var capDrop: [String] = []
    @Option(name: .long, help: ArgumentHelp("Keep CAP for the program, ambient too when it is not UID 0 (repeatable).", valueName: "cap[,cap...]"))
    var capAdd: [String] = []
    @Flag(name: .long, help: "Keep the capabilities the program holds (a new user namespace grants them all) for a program that is not UID 0.")
    var keepCaps = false
    @Flag(name: .long, help: "Set PR_SET_NO_NEW_PRIVS: exec never grants privileges (set-user-ID, file capabilities).")
    var noNewPrivs = false
    @Flag(name: .long, help: "Start a new session (setsid), so the program cannot push input into your terminal.")
    var newSession = false

    static let shapes: [OptionShape] = [
        OptionShape("cap-drop", .required), OptionShape("cap-add", .required), OptionShape("keep-caps"),
        OptionShape("no-new-privs"), OptionShape("new-session"),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        let drops = o.all("cap-drop"), adds = o.all("cap-add")
        if (drops + adds).contains(where: { $0.lowercased() == "help" }) { throw Answer(text: nameList()) }
        if !drops.isEmpty || !adds.isEmpty || o.flag("keep-caps") {
            spec.capabilities = CapabilityRequest(
                drop: try parseCapabilities(drops, option: "--cap-drop", allowAll: true),
                add: try parseCapabilities(adds, option: "--cap-add", allowAll: false),
                keepAll: o.flag("keep-caps"))
        }
        spec.noNewPrivileges = o.flag("no-new-privs")
        spec.newSession = o.flag("new-session")
    }

    /// The names the running kernel knows, one a line.
    static func nameList() -> String {
        (0..<knownCapabilityCount()).map { capabilityName($0) + "\n" }.joined()
    }
}
