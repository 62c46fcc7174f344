import ArgumentParser
import LaunchSpec

/// The target and the namespaces `swclone enter` joins: -t, -a, and
/// -m -u -i -n -p -U -C -T each with nsenter's optional file (`--mount=FILE`,
/// and as nsenter the short form takes an attached one: `-m/run/ns/mnt`).
enum EnterNamespaceOptions {
    static let group = OptionSection(
        "Namespaces to join",
        [
            OptionSpec(
                .target, "target", short: "t", .required, valueName: "pid", complete: .pid,
                help: "The process whose namespaces, root, working directory... are used."),
            OptionSpec(
                .all, "all", short: "a",
                help: "Join every namespace of the target that swclone does not already share (the user namespace in particular)."),
            OptionSpec(
                .mount, "mount", short: "m", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's mount namespace; -mFILE or --mount=FILE the one bind-mounted on FILE."),
            OptionSpec(
                .uts, "uts", short: "u", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's UTS namespace (or --uts=FILE)."),
            OptionSpec(
                .ipc, "ipc", short: "i", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's IPC namespace (or --ipc=FILE)."),
            OptionSpec(
                .net, "net", short: "n", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's network namespace (or --net=FILE)."),
            OptionSpec(
                .pid, "pid", short: "p", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's PID namespace (or --pid=FILE); the program is created inside it."),
            OptionSpec(
                .user, "user", short: "U", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's user namespace (or --user=FILE); the program runs as UID 0, GID 0 there."),
            OptionSpec(
                .cgroup, "cgroup", short: "C", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's cgroup namespace (or --cgroup=FILE)."),
            OptionSpec(
                .time, "time", short: "T", .optionalAttached, valueName: "file", complete: .file,
                help: "Join the target's time namespace (or --time=FILE)."),
            OptionSpec(
                .joinCgroup, "join-cgroup", short: "c",
                help: "Start the program in the target's cgroup v2 (CLONE_INTO_CGROUP; implies a child)."),
            OptionSpec(
                .netSocket, "net-socket", short: "N", .required, valueName: "fd", complete: .text,
                help: "Join the network namespace of the target's socket FD (pidfd_getfd and SIOCGSKNS)."),
            OptionSpec(
                .userParent, "user-parent",
                help: "Join the parent of the user namespace named (the target's, or --user=FILE's) instead."),
            OptionSpec(
                .followContext, "follow-context", short: "Z",
                help: "Run the program in the target's SELinux context (an error where SELinux is off)."),
        ])

    static func apply(_ o: ParsedOptions, to join: inout NamespaceJoin) throws {
        if let text = o.last(.target) {
            guard let pid = Int32(text), pid > 0 else {
                throw SwcloneError.usage("--target: '\(text)' is not a process ID")
            }
            join.target = pid
        }
        join.all = o.flag(.all)
        for ns in Namespace.allCases where o.flag(ns.key) {
            if let file = o.last(ns.key) {
                guard !file.isEmpty else { throw SwcloneError.usage("\(ns.option)=: the file name is empty") }
                join.files[ns] = file
            } else {
                join.fromTarget.insert(ns)
            }
        }
        join.joinCgroup = o.flag(.joinCgroup)
        if let text = o.last(.netSocket) {
            guard let fd = Int32(text), fd >= 0 else {
                throw SwcloneError.usage("--net-socket \(text): '\(text)' is not a file descriptor number")
            }
            if join.files[.net] != nil {
                throw SwcloneError.usage("--net-socket and --net=FILE name two network namespaces; give one")
            }
            join.netSocket = fd
            join.fromTarget.remove(.net)
        }
        join.userParent = o.flag(.userParent)
        join.followContext = o.flag(.followContext)
    }
}

/// swift-argument-parser's view of the group, for --help.
struct EnterNamespaceHelp: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: EnterNamespaceOptions.group.help(.target)) var target: String?
    @Flag(name: [.customShort("a"), .long], help: EnterNamespaceOptions.group.help(.all)) var all = false
    @Flag(name: [.customShort("m"), .long], help: EnterNamespaceOptions.group.help(.mount)) var mount = false
    @Flag(name: [.customShort("u"), .long], help: EnterNamespaceOptions.group.help(.uts)) var uts = false
    @Flag(name: [.customShort("i"), .long], help: EnterNamespaceOptions.group.help(.ipc)) var ipc = false
    @Flag(name: [.customShort("n"), .long], help: EnterNamespaceOptions.group.help(.net)) var net = false
    @Flag(name: [.customShort("p"), .long], help: EnterNamespaceOptions.group.help(.pid)) var pid = false
    @Flag(name: [.customShort("U"), .long], help: EnterNamespaceOptions.group.help(.user)) var user = false
    @Flag(name: [.customShort("C"), .long], help: EnterNamespaceOptions.group.help(.cgroup)) var cgroup = false
    @Flag(name: [.customShort("T"), .long], help: EnterNamespaceOptions.group.help(.time)) var time = false
    @Flag(name: [.customShort("c"), .long], help: EnterNamespaceOptions.group.help(.joinCgroup)) var joinCgroup = false
    @Option(name: [.customShort("N"), .long], help: EnterNamespaceOptions.group.help(.netSocket)) var netSocket: String?
    @Flag(name: .long, help: EnterNamespaceOptions.group.help(.userParent)) var userParent = false
    @Flag(name: [.customShort("Z"), .long], help: EnterNamespaceOptions.group.help(.followContext)) var followContext = false
}
