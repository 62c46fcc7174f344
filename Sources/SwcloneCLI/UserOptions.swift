import ArgumentParser
import Glibc
import LaunchSpec

/// User namespace maps and the program's identity.
struct UserOptions: ParsableArguments {
    @Flag(name: [.customShort("r"), .long], help: "Map your UID and GID to 0 (implies --user and --setgroups deny).")
    var mapRootUser = false
    @Option(name: [.customShort("S"), .long], help: ArgumentHelp("User ID of the program inside the namespaces.", valueName: "uid"))
    var setuid: String?
    @Option(name: [.customShort("G"), .long], help: ArgumentHelp("Group ID of the program inside the namespaces.", valueName: "gid"))
    var setgid: String?

    static let shapes: [OptionShape] = [
        OptionShape("map-root-user", short: "r"),
        OptionShape("setuid", short: "S", .required), OptionShape("setgid", short: "G", .required),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if o.flag("map-root-user") {
            spec.namespaces.insert(.user)
            spec.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: geteuid(), count: 1)],
                gidMap: [IDMapEntry(inner: 0, outer: getegid(), count: 1)],
                denySetgroups: true)
        }
        if let user = o.last("setuid") { spec.uid = try lookUpUser(user, option: "--setuid") }
        if let group = o.last("setgid") { spec.gid = try lookUpGroup(group, option: "--setgid") }
    }
}
