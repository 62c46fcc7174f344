import ArgumentParser
import Glibc
import LaunchSpec

/// User namespace maps and the program's identity.
struct UserOptions: ParsableArguments {
    @Flag(name: [.customShort("r"), .long], help: "Map your UID and GID to 0 (implies --user and --setgroups deny).")
    var mapRootUser = false
    @Flag(name: [.customShort("c"), .long], help: "Map your UID and GID to themselves (implies --user and --setgroups deny).")
    var mapCurrentUser = false
    @Option(name: .long, help: ArgumentHelp("Map your UID to this user inside (implies --user).", valueName: "uid|name"))
    var mapUser: String?
    @Option(name: .long, help: ArgumentHelp("Map your GID to this group inside (implies --user and --setgroups deny).", valueName: "gid|name"))
    var mapGroup: String?
    @Option(name: .long, help: ArgumentHelp(
        "Map a range of user IDs (implies --user); repeatable. INNER:OUTER:COUNT, OUTER,INNER,COUNT, auto (your first /etc/subuid block at 0), subids (that block to itself) or all (a copy of your own map).",
        valueName: "map"))
    var mapUsers: [String] = []
    @Option(name: .long, help: ArgumentHelp("Map a range of group IDs, as --map-users does with /etc/subgid; repeatable.", valueName: "map"))
    var mapGroups: [String] = []
    @Flag(name: .long, help: "Map your first /etc/subuid and /etc/subgid blocks from 0 (--map-users=auto --map-groups=auto).")
    var mapAuto = false
    @Flag(name: .long, help: "Map your first /etc/subuid and /etc/subgid blocks to themselves (--map-users=subids --map-groups=subids).")
    var mapSubids = false
    @Option(name: .long, help: ArgumentHelp("Allow or deny setgroups(2) in the new user namespace.", valueName: "allow|deny"))
    var setgroups: String?
    @Option(name: [.customShort("S"), .long], help: ArgumentHelp("User ID of the program inside the namespaces.", valueName: "uid"))
    var setuid: String?
    @Option(name: [.customShort("G"), .long], help: ArgumentHelp("Group ID of the program inside the namespaces.", valueName: "gid"))
    var setgid: String?

    static let shapes: [OptionShape] = [
        OptionShape("map-root-user", short: "r"), OptionShape("map-current-user", short: "c"),
        OptionShape("map-user", .required), OptionShape("map-group", .required),
        OptionShape("map-users", .required), OptionShape("map-groups", .required),
        OptionShape("map-auto"), OptionShape("map-subids"), OptionShape("setgroups", .required),
        OptionShape("setuid", short: "S", .required), OptionShape("setgid", short: "G", .required),
    ]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        let request = try mapRequest(o)
        if request.mapsIDs { spec.namespaces.insert(.user) }
        if let policy = request.setgroups, !spec.namespaces.contains(.user) {
            throw SwcloneError.usage("--setgroups \(policy.rawValue): there is no new user namespace (add --user)")
        }
        if request.mapsIDs || request.setgroups != nil {
            spec.userNamespace = try request.resolve(.system())
        }
        if let user = o.last("setuid") { spec.uid = try lookUpUser(user, option: "--setuid") }
        if let group = o.last("setgid") { spec.gid = try lookUpGroup(group, option: "--setgid") }
    }

    /// The options as util-linux reads them, except that the order of different options
    /// does not matter: --map-user and --map-group win over -r and -c, which conflict.
    static func mapRequest(_ o: ParsedOptions) throws -> UserMapRequest {
        var r = UserMapRequest()
        switch (o.flag("map-root-user"), o.flag("map-current-user")) {
        case (true, true):
            throw SwcloneError.usage("--map-root-user and --map-current-user: choose one")
        case (true, false):
            r.user = SingleMapping(0, option: "--map-root-user")
            r.group = SingleMapping(0, option: "--map-root-user")
        case (false, true):
            r.user = SingleMapping(geteuid(), option: "--map-current-user")
            r.group = SingleMapping(getegid(), option: "--map-current-user")
        case (false, false):
            break
        }
        if let user = o.last("map-user") { r.user = SingleMapping(try lookUpUser(user, option: "--map-user"), option: "--map-user") }
        if let group = o.last("map-group") {
            r.group = SingleMapping(try lookUpGroup(group, option: "--map-group"), option: "--map-group")
        }
        r.userRanges = try o.all("map-users").map { IDRangeSource(try IDRangeRequest($0, option: "--map-users"), origin: "--map-users \($0)") }
        r.groupRanges = try o.all("map-groups").map { IDRangeSource(try IDRangeRequest($0, option: "--map-groups"), origin: "--map-groups \($0)") }
        for (flag, request) in [("map-auto", IDRangeRequest.auto), ("map-subids", .subids)] where o.flag(flag) {
            r.userRanges.append(IDRangeSource(request, origin: "--\(flag)"))
            r.groupRanges.append(IDRangeSource(request, origin: "--\(flag)"))
        }
        r.setgroups = try o.choice("setgroups")
        return r
    }
}
