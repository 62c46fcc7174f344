import ArgumentParser
import LaunchSpec

/// -p -m -u -i -n -U -C -T, each with unshare's optional `=FILE`.
enum NamespaceOptions {
    static let group = OptionSection(
        "Namespaces",
        [
            OptionSpec(
                .pid, "pid", short: "p", .optional, valueName: "file", complete: .file,
                help: "New PID namespace; the program is PID 1 in it (implies --fork). --pid=FILE keeps it."),
            OptionSpec(
                .mount, "mount", short: "m", .optional, valueName: "file", complete: .file,
                help: "New mount namespace. --mount=FILE keeps it."),
            OptionSpec(
                .uts, "uts", short: "u", .optional, valueName: "file", complete: .file,
                help: "New UTS namespace (hostname). --uts=FILE keeps it."),
            OptionSpec(
                .ipc, "ipc", short: "i", .optional, valueName: "file", complete: .file, help: "New IPC namespace. --ipc=FILE keeps it."),
            OptionSpec(
                .net, "net", short: "n", .optional, valueName: "file", complete: .file,
                help: "New network namespace, loopback up. --net=FILE keeps it."),
            OptionSpec(
                .user, "user", short: "U", .optional, valueName: "file", complete: .file, help: "New user namespace. --user=FILE keeps it."),
            OptionSpec(
                .cgroup, "cgroup", short: "C", .optional, valueName: "file", complete: .file,
                help: "New cgroup namespace. --cgroup=FILE keeps it."),
            OptionSpec(
                .time, "time", short: "T", .optional, valueName: "file", complete: .file, help: "New time namespace. --time=FILE keeps it."),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        for ns in Namespace.allCases where o.flag(ns.key) {
            if let file = o.last(ns.key) {
                guard !file.isEmpty else { throw SwcloneError.usage("\(ns.option)=: the file name is empty") }
                spec.namespaceFiles[ns] = file
            }
            spec.namespaces.insert(ns)
        }
    }
}

extension Namespace {
    /// The option that names it, in both commands.
    var key: OptionKey {
        switch self {
        case .user: .user
        case .pid: .pid
        case .mount: .mount
        case .uts: .uts
        case .ipc: .ipc
        case .net: .net
        case .cgroup: .cgroup
        case .time: .time
        }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct NamespaceHelp: ParsableArguments {
    @Flag(name: [.customShort("p"), .long], help: NamespaceOptions.group.help(.pid)) var pid = false
    @Flag(name: [.customShort("m"), .long], help: NamespaceOptions.group.help(.mount)) var mount = false
    @Flag(name: [.customShort("u"), .long], help: NamespaceOptions.group.help(.uts)) var uts = false
    @Flag(name: [.customShort("i"), .long], help: NamespaceOptions.group.help(.ipc)) var ipc = false
    @Flag(name: [.customShort("n"), .long], help: NamespaceOptions.group.help(.net)) var net = false
    @Flag(name: [.customShort("U"), .long], help: NamespaceOptions.group.help(.user)) var user = false
    @Flag(name: [.customShort("C"), .long], help: NamespaceOptions.group.help(.cgroup)) var cgroup = false
    @Flag(name: [.customShort("T"), .long], help: NamespaceOptions.group.help(.time)) var time = false
}
