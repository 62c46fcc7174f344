import ArgumentParser
import Glibc
import LaunchSpec

/// User namespace maps and the program's identity.
enum UserOptions {
    static let group = OptionSection(
        "Users and groups",
        [
            OptionSpec(
                .mapRootUser, "map-root-user", short: "r",
                help: "Map your UID and GID to 0 (implies --user and --setgroups deny)."),
            OptionSpec(
                .mapCurrentUser, "map-current-user", short: "c",
                help: "Map your UID and GID to themselves (implies --user and --setgroups deny)."),
            OptionSpec(
                .mapUser, "map-user", .required, valueName: "uid|name", complete: .user,
                help: "Map your UID to this user inside (implies --user)."),
            OptionSpec(
                .mapGroup, "map-group", .required, valueName: "gid|name", complete: .group,
                help: "Map your GID to this group inside (implies --user and --setgroups deny)."),
            OptionSpec(
                .mapUsers, "map-users", .required, repeats: true, valueName: "map", complete: .choices("auto|subids|all"),
                help:
                    "Map a range of user IDs (implies --user); repeatable. INNER:OUTER:COUNT, OUTER,INNER,COUNT, auto (your first /etc/subuid block at 0), subids (that block to itself) or all (a copy of your own map)."
            ),
            OptionSpec(
                .mapGroups, "map-groups", .required, repeats: true, valueName: "map", complete: .choices("auto|subids|all"),
                help: "Map a range of group IDs, as --map-users does with /etc/subgid; repeatable."),
            OptionSpec(
                .mapAuto, "map-auto",
                help: "Map your first /etc/subuid and /etc/subgid blocks from 0 (--map-users=auto --map-groups=auto)."),
            OptionSpec(
                .mapSubids, "map-subids",
                help: "Map your first /etc/subuid and /etc/subgid blocks to themselves (--map-users=subids --map-groups=subids)."),
            OptionSpec(
                .setgroups, "setgroups", .required, valueName: "allow|deny", complete: .choices("allow|deny"),
                help: "Allow or deny setgroups(2) in the new user namespace."),
            OptionSpec(
                .owner, "owner", .required, valueName: "uid:gid", complete: .text,
                help: "Create the user namespace as this user and group (no groups), so that it is theirs, as unshare does; "
                    + "maps are written for your own IDs from outside (implies --user)."),
            OptionSpec(
                .setuid, "setuid", short: "S", .required, valueName: "uid", complete: .user,
                help: "User ID of the program inside the namespaces."),
            OptionSpec(
                .setgid, "setgid", short: "G", .required, valueName: "gid", complete: .group,
                help: "Group ID of the program inside the namespaces."),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        let request = try mapRequest(o)
        if request.mapsIDs { spec.namespaces.insert(.user) }
        if let policy = request.setgroups, !spec.namespaces.contains(.user) {
            throw SwcloneError.usage("--setgroups \(policy.rawValue): there is no new user namespace (add --user)")
        }
        if request.mapsIDs || request.setgroups != nil {
            spec.userNamespace = try request.resolve(.system())
        }
        if let text = o.last(.owner) {
            // unshare's sscanf("%u:%u"): numbers only.
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let uid = parseID(String(parts[0])), let gid = parseID(String(parts[1])),
                parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
            else { throw SwcloneError.usage("--owner \(text): not UID:GID (two numbers)") }
            spec.owner = NamespaceOwner(uid: uid, gid: gid)
            spec.namespaces.insert(.user)
        }
        if let user = o.last(.setuid) { spec.uid = try lookUpUser(user, option: "--setuid") }
        if let group = o.last(.setgid) { spec.gid = try lookUpGroup(group, option: "--setgid") }
    }

    /// The options as util-linux reads them, except that the order of different options
    /// does not matter: --map-user and --map-group win over -r and -c, which conflict.
    static func mapRequest(_ o: ParsedOptions) throws -> UserMapRequest {
        var r = UserMapRequest()
        switch (o.flag(.mapRootUser), o.flag(.mapCurrentUser)) {
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
        if let user = o.last(.mapUser) { r.user = SingleMapping(try lookUpUser(user, option: "--map-user"), option: "--map-user") }
        if let group = o.last(.mapGroup) {
            r.group = SingleMapping(try lookUpGroup(group, option: "--map-group"), option: "--map-group")
        }
        r.userRanges = try o.all(.mapUsers).map {
            IDRangeSource(try IDRangeRequest($0, option: "--map-users"), origin: "--map-users \($0)")
        }
        r.groupRanges = try o.all(.mapGroups).map {
            IDRangeSource(try IDRangeRequest($0, option: "--map-groups"), origin: "--map-groups \($0)")
        }
        if o.flag(.mapAuto) {
            r.userRanges.append(IDRangeSource(.auto, origin: "--map-auto"))
            r.groupRanges.append(IDRangeSource(.auto, origin: "--map-auto"))
        }
        if o.flag(.mapSubids) {
            r.userRanges.append(IDRangeSource(.subids, origin: "--map-subids"))
            r.groupRanges.append(IDRangeSource(.subids, origin: "--map-subids"))
        }
        r.setgroups = try o.choice(.setgroups)
        return r
    }
}

/// swift-argument-parser's view of the group, for --help.
struct UserHelp: ParsableArguments {
    @Flag(name: [.customShort("r"), .long], help: UserOptions.group.help(.mapRootUser)) var mapRootUser = false
    @Flag(name: [.customShort("c"), .long], help: UserOptions.group.help(.mapCurrentUser)) var mapCurrentUser = false
    @Option(name: .long, help: UserOptions.group.help(.mapUser)) var mapUser: String?
    @Option(name: .long, help: UserOptions.group.help(.mapGroup)) var mapGroup: String?
    @Option(name: .long, help: UserOptions.group.help(.mapUsers)) var mapUsers: [String] = []
    @Option(name: .long, help: UserOptions.group.help(.mapGroups)) var mapGroups: [String] = []
    @Flag(name: .long, help: UserOptions.group.help(.mapAuto)) var mapAuto = false
    @Flag(name: .long, help: UserOptions.group.help(.mapSubids)) var mapSubids = false
    @Option(name: .long, help: UserOptions.group.help(.setgroups)) var setgroups: String?
    @Option(name: .long, help: UserOptions.group.help(.owner)) var owner: String?
    @Option(name: [.customShort("S"), .long], help: UserOptions.group.help(.setuid)) var setuid: String?
    @Option(name: [.customShort("G"), .long], help: UserOptions.group.help(.setgid)) var setgid: String?
}
