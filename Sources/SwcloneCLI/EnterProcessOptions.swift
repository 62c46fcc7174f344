import ArgumentParser
import LaunchSpec

/// How `swclone enter` runs the program, as nsenter: credentials, root and
/// working directory, environment, fork. Capabilities are CapabilityOptions.
struct EnterProcessOptions: ParsableArguments {
    @Option(name: [.customShort("S"), .long], help: ArgumentHelp("User ID of the program; 'follow': the target's.", valueName: "uid|follow"))
    var setuid: String?
    @Option(name: [.customShort("G"), .long], help: ArgumentHelp("Group ID of the program; 'follow': the target's.", valueName: "gid|follow"))
    var setgid: String?
    @Flag(name: .long, help: "Keep swclone's UID and GID when joining a user namespace (default: 0 and 0, no groups).")
    var preserveCredentials = false
    @Flag(name: [.customShort("r"), .long], help: "Change root to the target's root directory; -rDIR or --root=DIR to DIR, opened before joining.")
    var root = false
    @Flag(name: [.customShort("w"), .long], help: "Working directory: the target's; -wDIR or --wd=DIR: DIR, opened before joining.")
    var wd = false
    @Option(name: [.customShort("W"), .long], help: ArgumentHelp("Working directory looked up after joining and after --root.", valueName: "dir"))
    var wdns: String?
    @Flag(name: [.customShort("e"), .long], help: "Give the program the target's environment.")
    var env = false
    @Flag(name: [.customShort("F"), .long], help: "Exec the program in place, even when joining a PID namespace.")
    var noFork = false

    @Option(name: .customLong("root-dir"), help: .private) var rootDir: String?
    @Option(name: .customLong("wd-dir"), help: .private) var wdDir: String?

    static let shapes: [OptionShape] = [
        OptionShape("setuid", short: "S", .required), OptionShape("setgid", short: "G", .required),
        OptionShape("preserve-credentials"),
        OptionShape("root", short: "r", .attached(hidden: "root-dir", short: true)),
        OptionShape("wd", short: "w", .attached(hidden: "wd-dir", short: true)),
        OptionShape("wdns", short: "W", .required), OptionShape("env", short: "e"),
        OptionShape("no-fork", short: "F"),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        var join = spec.join ?? NamespaceJoin()
        if let user = o.last("setuid") {
            if user == "follow" { join.followUID = true } else { spec.uid = try lookUpUser(user, option: "--setuid") }
        }
        if let group = o.last("setgid") {
            if group == "follow" { join.followGID = true } else { spec.gid = try lookUpGroup(group, option: "--setgid") }
        }
        join.preserveCredentials = o.flag("preserve-credentials")
        join.root = try directory(o, "root")
        join.workingDirectory = try directory(o, "wd")
        join.workingDirectoryInNamespace = try o.path("wdns")
        if join.workingDirectory != nil && join.workingDirectoryInNamespace != nil {
            throw SwcloneError.usage("--wd and --wdns are mutually exclusive")
        }
        join.targetEnvironment = o.flag("env")
        join.noFork = o.flag("no-fork")
        spec.join = join
    }

    private static func directory(_ o: ParsedOptions, _ long: String) throws -> DirectoryChoice? {
        guard o.flag(long) else { return nil }
        guard let dir = o.last("\(long)-dir") else { return .target }
        guard !dir.isEmpty else { throw SwcloneError.usage("--\(long)=: the path is empty") }
        return .path(dir)
    }
}
