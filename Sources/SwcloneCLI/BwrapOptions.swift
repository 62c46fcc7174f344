import ArgumentParser
import Glibc
import LaunchSpec

/// bubblewrap's options beyond the filesystem view, with bubblewrap's
/// meaning, beside unshare's: a bwrap command line runs unchanged.
enum BwrapOptions {
    static let group = OptionSection(
        "bubblewrap's options",
        [
            OptionSpec(.unshareUser, "unshare-user", help: "New user namespace, your IDs mapped (or --uid, --gid), as bwrap."),
            OptionSpec(.unshareUserTry, "unshare-user-try", help: "New user namespace where the host allows one."),
            OptionSpec(.unshareIPC, "unshare-ipc", help: "New IPC namespace (--ipc)."),
            OptionSpec(.unsharePID, "unshare-pid", help: "New PID namespace with a reaper as PID 1 (--pid, and --init unless --as-pid-1)."),
            OptionSpec(.unshareNet, "unshare-net", help: "New network namespace (--net)."),
            OptionSpec(.unshareUTS, "unshare-uts", help: "New UTS namespace (--uts)."),
            OptionSpec(.unshareCgroup, "unshare-cgroup", help: "New cgroup namespace (--cgroup)."),
            OptionSpec(.unshareCgroupTry, "unshare-cgroup-try", help: "New cgroup namespace where the kernel has them."),
            OptionSpec(
                .unshareAll, "unshare-all",
                help: "--unshare-user-try --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try."),
            OptionSpec(.shareNet, "share-net", help: "Keep the network namespace (with --unshare-all)."),
            OptionSpec(.userns, "userns", .required, valueName: "fd", complete: .text, help: "Create the sandbox in this user namespace."),
            OptionSpec(
                .userns2, "userns2", .required, valueName: "fd", complete: .text,
                help: "Switch to this user namespace once the sandbox is set up."),
            OptionSpec(
                .pidns, "pidns", .required, valueName: "fd", complete: .text,
                help: "Create the sandbox in this PID namespace (its parent with --unshare-pid)."),
            OptionSpec(
                .sandboxUID, "uid", .required, valueName: "uid", complete: .user, help: "The program's user ID in the new user namespace."),
            OptionSpec(
                .sandboxGID, "gid", .required, valueName: "gid", complete: .group, help: "The program's group ID in the new user namespace."
            ),
            OptionSpec(
                .args, "args", .required, repeats: true, valueName: "fd", complete: .text,
                help: "Read more options, NUL-separated, from FD, here."),
            OptionSpec(.argv0, "argv0", .required, valueName: "value", complete: .text, help: "The program's argv[0]."),
            OptionSpec(
                .setenv, "setenv", .words(2), repeats: true, valueName: "var value", complete: ValueCompletion(.variable, second: .text),
                help: "Set VAR to VALUE for the program."),
            OptionSpec(
                .unsetenv, "unsetenv", .required, repeats: true, valueName: "var", complete: .variable,
                help: "Remove VAR from the program's environment."),
            OptionSpec(.clearenv, "clearenv", help: "Start from an empty environment (as bwrap, PWD is still set)."),
            OptionSpec(.dieWithParent, "die-with-parent", help: "The program gets SIGKILL when swclone, or swclone's parent, dies."),
            OptionSpec(.asPID1, "as-pid-1", help: "With --unshare-pid: no reaper, the program is PID 1."),
            OptionSpec(.syncFD, "sync-fd", .required, valueName: "fd", complete: .text, help: "Keep FD open while the sandbox runs."),
            OptionSpec(
                .blockFD, "block-fd", .required, valueName: "fd", complete: .text,
                help: "The program waits for data on FD before it starts."),
            OptionSpec(
                .usernsBlockFD, "userns-block-fd", .required, valueName: "fd", complete: .text,
                help: "The sandbox waits on FD until the user namespace is ready (maps written from outside; needs --info-fd)."),
            OptionSpec(
                .infoFD, "info-fd", .required, valueName: "fd", complete: .text,
                help: "Write the sandbox's PID and namespaces to FD, as JSON."),
            OptionSpec(
                .jsonStatusFD, "json-status-fd", .required, valueName: "fd", complete: .text, help: "bwrap's name of --json-status."),
            OptionSpec(
                .lockFile, "lock-file", .required, repeats: true, valueName: "dest", complete: .file,
                help: "Hold a read lock on DEST while the sandbox runs."),
            OptionSpec(.levelPrefix, "level-prefix", help: "Start diagnostic lines with their syslog level (<3> errors, <4> warnings)."),
            OptionSpec(
                .execLabel, "exec-label", .required, valueName: "label", complete: .text,
                help: "SELinux label of the program (refused where SELinux is on)."
            ),
            OptionSpec(
                .fileLabel, "file-label", .required, valueName: "label", complete: .text,
                help: "SELinux label of files made for the view (as --exec-label)."
            ),
        ])

    /// A bwrap command line: swclone started as `bwrap`, or any option only bubblewrap has.
    static func isBwrapCommandLine(_ o: ParsedOptions, startedAsBwrap: Bool) -> Bool {
        startedAsBwrap || o.occurrences.contains { $0.key.isBwrapOnly }
    }

    /// After the other groups, for a bwrap command line: bubblewrap's settings, and its
    /// defaults applied to what the other groups built.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec, caller: CallerEnvironment) throws {
        var b = BubblewrapSettings()
        b.defaults = true
        var unshareUser = false
        for occurrence in o.occurrences {
            let value = occurrence.value ?? ""
            switch occurrence.key {
            case .unshareUser: unshareUser = true
            case .unshareUserTry: b.userTry = true
            case .unshareIPC: spec.namespaces.insert(.ipc)
            case .unsharePID: spec.namespaces.insert(.pid)
            case .unshareNet: spec.namespaces.insert(.net)
            case .unshareUTS: spec.namespaces.insert(.uts)
            case .unshareCgroup: spec.namespaces.insert(.cgroup)
            case .unshareCgroupTry: b.cgroupTry = true
            case .unshareAll:
                b.userTry = true
                b.cgroupTry = true
                // One by one: an array literal of them would cost the runtime an array type.
                spec.namespaces.insert(.ipc)
                spec.namespaces.insert(.pid)
                spec.namespaces.insert(.net)
                spec.namespaces.insert(.uts)
            case .shareNet: spec.namespaces.remove(.net)
            case .userns: b.userNamespaceFD = try descriptor(value, "--userns")
            case .userns2: b.userNamespace2FD = try descriptor(value, "--userns2")
            case .pidns: b.pidNamespaceFD = try descriptor(value, "--pidns")
            case .argv0:
                if b.argv0 != nil { throw SwcloneError.usage("--argv0 used multiple times") }
                b.argv0 = value
            case .dieWithParent: b.dieWithParent = true
            case .asPID1: b.asPID1 = true
            case .syncFD: b.syncFD = try descriptor(value, "--sync-fd")
            case .blockFD: b.blockFD = try descriptor(value, "--block-fd")
            case .usernsBlockFD: b.userNamespaceBlockFD = try descriptor(value, "--userns-block-fd")
            case .infoFD: b.infoFD = try descriptor(value, "--info-fd")
            case .lockFile: b.lockFiles.append(try ViewOptions.viewPath(value, option: "--lock-file \(value)"))
            case .execLabel, .fileLabel:
                // As bubblewrap: labels mean something only where SELinux is on, and swclone does not set them.
                if access("/sys/fs/selinux/enforce", F_OK) == 0 {
                    throw SwcloneError.setup("--\(occurrence.name) \(value): SELinux labels are not supported")
                }
            default: break
            }
        }
        try check(o, b, unshareUser: unshareUser, spec: spec)
        if o.all(.chdir).count > 1 {
            spec.warnings.append("Only the last --chdir option will take effect")
        }
        spec.environment = environment(o, spec.environment ?? caller.entries())
        if unshareUser || o.flag(.sandboxUID) || o.flag(.sandboxGID) {
            let uid = geteuid(), gid = getegid()
            let inner = try o.last(.sandboxUID).map { try lookUpUser($0, option: "--uid") } ?? uid
            let innerGroup = try o.last(.sandboxGID).map { try lookUpGroup($0, option: "--gid") } ?? gid
            if b.userNamespaceFD != nil {
                spec.uid = inner == uid ? nil : inner
                spec.gid = innerGroup == gid ? nil : innerGroup
            } else {
                spec.namespaces.insert(.user)
                spec.userNamespace = UserNamespaceSetup(
                    uidMap: [IDMapEntry(inner: inner, outer: uid, count: 1)], gidMap: [IDMapEntry(inner: innerGroup, outer: gid, count: 1)],
                    denySetgroups: true)
            }
        }
        spec.capabilities = try capabilities(o)
        spec.noNewPrivileges = true
        if spec.namespaces.contains(.pid) && !b.asPID1 { spec.runsInit = true }
        if b.dieWithParent { spec.killChildSignal = SIGKILL }
        if let fd = o.last(.jsonStatusFD) { spec.jsonStatusFD = try descriptor(fd, "--json-status-fd") }
        spec.bwrap = b
    }

    /// bubblewrap's rules between its options (its own words for them).
    private static func check(_ o: ParsedOptions, _ b: BubblewrapSettings, unshareUser: Bool, spec: LaunchSpec) throws {
        if b.userNamespaceBlockFD != nil && !unshareUser { throw SwcloneError.usage("--userns-block-fd requires --unshare-user") }
        if b.userNamespaceBlockFD != nil && b.infoFD == nil { throw SwcloneError.usage("--userns-block-fd requires --info-fd") }
        if b.userNamespaceFD != nil && unshareUser { throw SwcloneError.usage("--userns not compatible --unshare-user") }
        if b.userNamespaceFD != nil && b.userTry { throw SwcloneError.usage("--userns not compatible --unshare-user-try") }
        if (o.flag(.sandboxUID) || o.flag(.sandboxGID)) && !unshareUser && b.userNamespaceFD == nil && geteuid() == 0 {
            throw SwcloneError.usage("Specifying --uid or --gid requires --unshare-user or --userns")
        }
        if b.asPID1 && !spec.namespaces.contains(.pid) { throw SwcloneError.usage("Specifying --as-pid-1 requires --unshare-pid") }
        if b.asPID1 && !b.lockFiles.isEmpty { throw SwcloneError.usage("Specifying --as-pid-1 and --lock-file is not permitted") }
    }

    /// The program's environment: --clearenv, --setenv and --unsetenv in command-line order.
    private static func environment(_ o: ParsedOptions, _ start: [String]) -> [String] {
        var entries = start
        func remove(_ name: String) { entries.removeAll { $0.hasPrefix(name + "=") } }
        for occurrence in o.occurrences {
            switch occurrence.key {
            case .clearenv: entries = []
            case .unsetenv: remove(occurrence.value ?? "")
            case .setenv:
                let name = occurrence.value ?? ""
                remove(name)
                entries.append(name + "=" + (occurrence.more.first ?? ""))
            default: break
            }
        }
        return entries
    }

    /// bubblewrap's capabilities: everything swclone holds for a caller that is root, nothing
    /// otherwise, then --cap-add and --cap-drop in command-line order (ALL for either); what
    /// the program keeps is also inheritable and ambient.
    private static func capabilities(_ o: ParsedOptions) throws -> CapabilityRequest? {
        let known = CapabilitySet.all(count: knownCapabilityCount())
        let root = geteuid() == 0
        var final: CapabilitySet = root ? known : []
        var added: CapabilitySet = []
        var used = false
        for occurrence in o.occurrences where occurrence.key == .capAdd || occurrence.key == .capDrop {
            used = true
            let option = "--" + occurrence.name
            let caps = try parseCapabilities([occurrence.value ?? ""], option: option, allowAll: true)
            if occurrence.key == .capAdd {
                final.formUnion(caps)
                added.formUnion(caps)
            } else {
                final.subtract(caps)
            }
        }
        if !used && root { return nil }
        return CapabilityRequest(drop: known.subtracting(final), add: final.intersection(added), keepAll: true)
    }

    private static func descriptor(_ text: String, _ option: String) throws -> Int32 {
        guard let fd = Int32(text), fd >= 0 else {
            throw SwcloneError.usage("\(option) \(text): '\(text)' is not a file descriptor number", bwrap: "Invalid fd: \(text)")
        }
        guard fcntl(fd, F_GETFD) >= 0 else { throw SwcloneError.usage("\(option) \(fd): descriptor \(fd) is not open") }
        return fd
    }

    /// --args FD: the NUL-separated words FD reads, as bubblewrap takes them.
    static func readArguments(_ text: String) throws -> [String] {
        guard let fd = Int32(text), fd >= 0 else {
            throw SwcloneError.usage("--args \(text): '\(text)' is not a file descriptor number", bwrap: "Invalid fd: \(text)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw SwcloneError.usage("--args \(fd): Can't read --args data: \(errnoText(errno))") }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        close(fd)
        if bytes.isEmpty { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast(bytes.last == 0 ? 1 : 0)
            .map { String(decoding: $0, as: UTF8.self) }
    }
}

extension OptionKey {
    /// Options only bubblewrap has: one of them makes the command line a bwrap one.
    var isBwrapOnly: Bool {
        switch self {
        case .unshareUser, .unshareUserTry, .unshareIPC, .unsharePID, .unshareNet, .unshareUTS, .unshareCgroup, .unshareCgroupTry,
            .unshareAll, .shareNet, .userns, .userns2, .pidns, .sandboxUID, .sandboxGID, .args, .argv0, .setenv, .unsetenv, .clearenv,
            .dieWithParent, .asPID1, .syncFD, .blockFD, .usernsBlockFD, .infoFD, .jsonStatusFD, .lockFile, .levelPrefix, .execLabel,
            .fileLabel:
            true
        default: false
        }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct BwrapHelp: ParsableArguments {
    @Flag(name: .customLong("unshare-user"), help: BwrapOptions.group.help(.unshareUser)) var unshareUser = false
    @Flag(name: .customLong("unshare-user-try"), help: BwrapOptions.group.help(.unshareUserTry)) var unshareUserTry = false
    @Flag(name: .customLong("unshare-ipc"), help: BwrapOptions.group.help(.unshareIPC)) var unshareIPC = false
    @Flag(name: .customLong("unshare-pid"), help: BwrapOptions.group.help(.unsharePID)) var unsharePID = false
    @Flag(name: .customLong("unshare-net"), help: BwrapOptions.group.help(.unshareNet)) var unshareNet = false
    @Flag(name: .customLong("unshare-uts"), help: BwrapOptions.group.help(.unshareUTS)) var unshareUTS = false
    @Flag(name: .customLong("unshare-cgroup"), help: BwrapOptions.group.help(.unshareCgroup)) var unshareCgroup = false
    @Flag(name: .customLong("unshare-cgroup-try"), help: BwrapOptions.group.help(.unshareCgroupTry)) var unshareCgroupTry = false
    @Flag(name: .customLong("unshare-all"), help: BwrapOptions.group.help(.unshareAll)) var unshareAll = false
    @Flag(name: .customLong("share-net"), help: BwrapOptions.group.help(.shareNet)) var shareNet = false
    @Option(name: .customLong("userns"), help: BwrapOptions.group.help(.userns)) var userns: String?
    @Option(name: .customLong("userns2"), help: BwrapOptions.group.help(.userns2)) var userns2: String?
    @Option(name: .customLong("pidns"), help: BwrapOptions.group.help(.pidns)) var pidns: String?
    @Option(name: .customLong("uid"), help: BwrapOptions.group.help(.sandboxUID)) var uid: String?
    @Option(name: .customLong("gid"), help: BwrapOptions.group.help(.sandboxGID)) var gid: String?
    @Option(name: .customLong("args"), help: BwrapOptions.group.help(.args)) var args: [String] = []
    @Option(name: .customLong("argv0"), help: BwrapOptions.group.help(.argv0)) var argv0: String?
    @Option(name: .customLong("setenv"), parsing: .upToNextOption, help: BwrapOptions.group.help(.setenv)) var setenv: [String] = []
    @Option(name: .customLong("unsetenv"), help: BwrapOptions.group.help(.unsetenv)) var unsetenv: [String] = []
    @Flag(name: .customLong("clearenv"), help: BwrapOptions.group.help(.clearenv)) var clearenv = false
    @Flag(name: .customLong("die-with-parent"), help: BwrapOptions.group.help(.dieWithParent)) var dieWithParent = false
    @Flag(name: .customLong("as-pid-1"), help: BwrapOptions.group.help(.asPID1)) var asPID1 = false
    @Option(name: .customLong("sync-fd"), help: BwrapOptions.group.help(.syncFD)) var syncFD: String?
    @Option(name: .customLong("block-fd"), help: BwrapOptions.group.help(.blockFD)) var blockFD: String?
    @Option(name: .customLong("userns-block-fd"), help: BwrapOptions.group.help(.usernsBlockFD)) var usernsBlockFD: String?
    @Option(name: .customLong("info-fd"), help: BwrapOptions.group.help(.infoFD)) var infoFD: String?
    @Option(name: .customLong("json-status-fd"), help: BwrapOptions.group.help(.jsonStatusFD)) var jsonStatusFD: String?
    @Option(name: .customLong("lock-file"), help: BwrapOptions.group.help(.lockFile)) var lockFile: [String] = []
    @Flag(name: .customLong("level-prefix"), help: BwrapOptions.group.help(.levelPrefix)) var levelPrefix = false
    @Option(name: .customLong("exec-label"), help: BwrapOptions.group.help(.execLabel)) var execLabel: String?
    @Option(name: .customLong("file-label"), help: BwrapOptions.group.help(.fileLabel)) var fileLabel: String?
}
