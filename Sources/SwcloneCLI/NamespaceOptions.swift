import ArgumentParser
import LaunchSpec

/// -p -m -u -i -n -U -C -T, each with unshare's optional `=FILE`.
struct NamespaceOptions: ParsableArguments {
    @Flag(name: [.customShort("p"), .long], help: "New PID namespace; the program is PID 1 in it (implies --fork). --pid=FILE keeps it.")
    var pid = false
    @Flag(name: [.customShort("m"), .long], help: "New mount namespace. --mount=FILE keeps it.")
    var mount = false
    @Flag(name: [.customShort("u"), .long], help: "New UTS namespace (hostname). --uts=FILE keeps it.")
    var uts = false
    @Flag(name: [.customShort("i"), .long], help: "New IPC namespace. --ipc=FILE keeps it.")
    var ipc = false
    @Flag(name: [.customShort("n"), .long], help: "New network namespace, loopback up. --net=FILE keeps it.")
    var net = false
    @Flag(name: [.customShort("U"), .long], help: "New user namespace. --user=FILE keeps it.")
    var user = false
    @Flag(name: [.customShort("C"), .long], help: "New cgroup namespace. --cgroup=FILE keeps it.")
    var cgroup = false
    @Flag(name: [.customShort("T"), .long], help: "New time namespace. --time=FILE keeps it.")
    var time = false

    // `--NS=FILE`, rewritten by the argument splitter; never typed by users.
    @Option(name: .customLong("pid-file"), help: .private) var pidFile: String?
    @Option(name: .customLong("mount-file"), help: .private) var mountFile: String?
    @Option(name: .customLong("uts-file"), help: .private) var utsFile: String?
    @Option(name: .customLong("ipc-file"), help: .private) var ipcFile: String?
    @Option(name: .customLong("net-file"), help: .private) var netFile: String?
    @Option(name: .customLong("user-file"), help: .private) var userFile: String?
    @Option(name: .customLong("cgroup-file"), help: .private) var cgroupFile: String?
    @Option(name: .customLong("time-file"), help: .private) var timeFile: String?

    static let shapes = namespaceShapes(attachedAfterShort: false)

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        for shape in shapes where o.flag(shape.long) {
            guard let ns = Namespace(rawValue: shape.long) else { continue }
            if case .attached(let hidden, _) = shape.value, let file = o.last(hidden) {
                guard !file.isEmpty else { throw SwcloneError.usage("\(ns.option)=: the file name is empty") }
                spec.namespaceFiles[ns] = file
            }
            spec.namespaces.insert(ns)
        }
    }
}

/// `--pid[=FILE]`, `-p` and the others, for both commands: FILE is recorded under
/// the hidden `--pid-file`. Names written out: building them by interpolation
/// at each launch cost more than the rest of the table.
func namespaceShapes(attachedAfterShort: Bool) -> [OptionShape] {
    [("pid", "p", "pid-file"), ("mount", "m", "mount-file"), ("uts", "u", "uts-file"),
     ("ipc", "i", "ipc-file"), ("net", "n", "net-file"), ("user", "U", "user-file"),
     ("cgroup", "C", "cgroup-file"), ("time", "T", "time-file")]
        .map { OptionShape($0.0, short: $0.1, .attached(hidden: $0.2, short: attachedAfterShort)) }
}
