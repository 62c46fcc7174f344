import ArgumentParser
import LaunchSpec

/// How `swclone enter` runs the program, as nsenter: credentials, root and
/// working directory, environment, fork. Capabilities are CapabilityOptions.
enum EnterProcessOptions {
    static let group = OptionSection(
        "Process",
        [
            OptionSpec(
                .setuid, "setuid", short: "S", .required, valueName: "uid|follow", complete: .user.or("follow"),
                help: "User ID of the program; 'follow': the target's."),
            OptionSpec(
                .setgid, "setgid", short: "G", .required, valueName: "gid|follow", complete: .group.or("follow"),
                help: "Group ID of the program; 'follow': the target's."),
            OptionSpec(
                .preserveCredentials, "preserve-credentials",
                help: "Keep swclone's UID and GID when joining a user namespace (default: 0 and 0, no groups)."),
            OptionSpec(
                .root, "root", short: "r", .optionalAttached, valueName: "dir", complete: .directory,
                help: "Change root to the target's root directory; -rDIR or --root=DIR to DIR, opened before joining."),
            OptionSpec(
                .wd, "wd", short: "w", .optionalAttached, valueName: "dir", complete: .directory,
                help: "Working directory: the target's; -wDIR or --wd=DIR: DIR, opened before joining."),
            OptionSpec(
                .wdns, "wdns", short: "W", .required, valueName: "dir", complete: .directory,
                help: "Working directory looked up after joining and after --root."),
            OptionSpec(.env, "env", short: "e", help: "Give the program the target's environment."),
            OptionSpec(.noFork, "no-fork", short: "F", help: "Exec the program in place, even when joining a PID namespace."),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec, join: inout NamespaceJoin) throws {
        if let user = o.last(.setuid) {
            if user == "follow" { join.followUID = true } else { spec.uid = try lookUpUser(user, option: "--setuid") }
        }
        if let group = o.last(.setgid) {
            if group == "follow" { join.followGID = true } else { spec.gid = try lookUpGroup(group, option: "--setgid") }
        }
        join.preserveCredentials = o.flag(.preserveCredentials)
        join.root = try directory(o, .root)
        join.workingDirectory = try directory(o, .wd)
        join.workingDirectoryInNamespace = try o.path(.wdns)
        if join.workingDirectory != nil && join.workingDirectoryInNamespace != nil {
            throw SwcloneError.usage("--wd and --wdns are mutually exclusive")
        }
        join.targetEnvironment = o.flag(.env)
        join.noFork = o.flag(.noFork)
    }

    private static func directory(_ o: ParsedOptions, _ key: OptionKey) throws -> DirectoryChoice? {
        guard o.flag(key) else { return nil }
        guard let dir = o.last(key) else { return .target }
        guard !dir.isEmpty else { throw SwcloneError.usage("\(o.option(key))=: the path is empty") }
        return .path(dir)
    }
}

/// swift-argument-parser's view of the group, for --help.
struct EnterProcessHelp: ParsableArguments {
    @Option(name: [.customShort("S"), .long], help: EnterProcessOptions.group.help(.setuid)) var setuid: String?
    @Option(name: [.customShort("G"), .long], help: EnterProcessOptions.group.help(.setgid)) var setgid: String?
    @Flag(name: .long, help: EnterProcessOptions.group.help(.preserveCredentials)) var preserveCredentials = false
    @Flag(name: [.customShort("r"), .long], help: EnterProcessOptions.group.help(.root)) var root = false
    @Flag(name: [.customShort("w"), .long], help: EnterProcessOptions.group.help(.wd)) var wd = false
    @Option(name: [.customShort("W"), .long], help: EnterProcessOptions.group.help(.wdns)) var wdns: String?
    @Flag(name: [.customShort("e"), .long], help: EnterProcessOptions.group.help(.env)) var env = false
    @Flag(name: [.customShort("F"), .long], help: EnterProcessOptions.group.help(.noFork)) var noFork = false
}
