import ArgumentParser
import LaunchSpec

/// The target and the namespaces `swclone enter` joins: -t, -a, and
/// -m -u -i -n -p -U -C -T each with nsenter's optional file (`--mount=FILE`,
/// and as nsenter the short form takes an attached one: `-m/run/ns/mnt`).
struct EnterNamespaceOptions: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("The process whose namespaces, root, working directory... are used.", valueName: "pid"))
    var target: Int32?
    @Flag(name: [.customShort("a"), .long], help: "Join every namespace of the target that swclone does not already share (the user namespace in particular).")
    var all = false
    @Flag(name: [.customShort("m"), .long], help: "Join the target's mount namespace; -mFILE or --mount=FILE the one bind-mounted on FILE.")
    var mount = false
    @Flag(name: [.customShort("u"), .long], help: "Join the target's UTS namespace (or --uts=FILE).")
    var uts = false
    @Flag(name: [.customShort("i"), .long], help: "Join the target's IPC namespace (or --ipc=FILE).")
    var ipc = false
    @Flag(name: [.customShort("n"), .long], help: "Join the target's network namespace (or --net=FILE).")
    var net = false
    @Flag(name: [.customShort("p"), .long], help: "Join the target's PID namespace (or --pid=FILE); the program is created inside it.")
    var pid = false
    @Flag(name: [.customShort("U"), .long], help: "Join the target's user namespace (or --user=FILE); the program runs as UID 0, GID 0 there.")
    var user = false
    @Flag(name: [.customShort("C"), .long], help: "Join the target's cgroup namespace (or --cgroup=FILE).")
    var cgroup = false
    @Flag(name: [.customShort("T"), .long], help: "Join the target's time namespace (or --time=FILE).")
    var time = false
    @Flag(name: [.customShort("c"), .long], help: "Start the program in the target's cgroup v2 (CLONE_INTO_CGROUP; implies a child).")
    var joinCgroup = false

    // `--NS=FILE` and `-xFILE`, rewritten by the argument splitter; never typed by users.
    @Option(name: .customLong("mount-file"), help: .private) var mountFile: String?
    @Option(name: .customLong("uts-file"), help: .private) var utsFile: String?
    @Option(name: .customLong("ipc-file"), help: .private) var ipcFile: String?
    @Option(name: .customLong("net-file"), help: .private) var netFile: String?
    @Option(name: .customLong("pid-file"), help: .private) var pidFile: String?
    @Option(name: .customLong("user-file"), help: .private) var userFile: String?
    @Option(name: .customLong("cgroup-file"), help: .private) var cgroupFile: String?
    @Option(name: .customLong("time-file"), help: .private) var timeFile: String?

    /// nsenter's `-m/run/ns/mnt`: a file attached to the short form counts too.
    static let shapes = [OptionShape("target", short: "t", .required), OptionShape("all", short: "a"),
                         OptionShape("join-cgroup", short: "c")] + namespaceShapes(attachedAfterShort: true)

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        var join = spec.join ?? NamespaceJoin()
        if let text = o.last("target") {
            guard let pid = Int32(text), pid > 0 else {
                throw SwcloneError.usage("--target: '\(text)' is not a process ID")
            }
            join.target = pid
        }
        join.all = o.flag("all")
        for ns in Namespace.allCases where o.flag(ns.rawValue) {
            if let file = o.last("\(ns.rawValue)-file") {
                guard !file.isEmpty else { throw SwcloneError.usage("\(ns.option)=: the file name is empty") }
                join.files[ns] = file
            } else {
                join.fromTarget.insert(ns)
            }
        }
        join.joinCgroup = o.flag("join-cgroup")
        spec.join = join
    }
}
