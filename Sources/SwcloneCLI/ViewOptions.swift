import ArgumentParser
import Glibc
import LaunchSpec

/// bubblewrap's filesystem view: a new root that shows only what is granted,
/// built in command-line order.
enum ViewOptions {
    static let group = OptionSection(
        "Filesystem view (as bubblewrap)",
        [
            OptionSpec(
                .bind, "bind", .words(2), repeats: true, valueName: "src dest", complete: ValueCompletion(.file, second: .directory),
                help: "Bind the host's SRC on DEST in a new root that shows only what is granted (recursive)."),
            OptionSpec(
                .bindTry, "bind-try", .words(2), repeats: true, valueName: "src dest", complete: ValueCompletion(.file, second: .directory),
                help: "--bind, skipped when SRC does not exist."),
            OptionSpec(
                .roBind, "ro-bind", .words(2), repeats: true, valueName: "src dest", complete: ValueCompletion(.file, second: .directory),
                help: "Bind SRC on DEST read-only: DEST and every mount under it, or the launch fails."),
            OptionSpec(
                .roBindTry, "ro-bind-try", .words(2), repeats: true, valueName: "src dest",
                complete: ValueCompletion(.file, second: .directory),
                help: "--ro-bind, skipped when SRC does not exist."),
            OptionSpec(
                .devBind, "dev-bind", .words(2), repeats: true, valueName: "src dest", complete: ValueCompletion(.file, second: .directory),
                help: "--bind where device files work."),
            OptionSpec(
                .devBindTry, "dev-bind-try", .words(2), repeats: true, valueName: "src dest",
                complete: ValueCompletion(.file, second: .directory),
                help: "--dev-bind, skipped when SRC does not exist."),
            OptionSpec(
                .bindFD, "bind-fd", .words(2), repeats: true, valueName: "fd dest", complete: ValueCompletion(.text, second: .directory),
                help: "Bind the open directory or O_PATH descriptor FD on DEST."),
            OptionSpec(
                .roBindFD, "ro-bind-fd", .words(2), repeats: true, valueName: "fd dest",
                complete: ValueCompletion(.text, second: .directory), help: "--bind-fd, read-only."),
            OptionSpec(
                .remountRO, "remount-ro", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "Make DEST, and every mount under it, read-only."),
            OptionSpec(
                .tmpfs, "tmpfs", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "A new tmpfs on DEST (mode 0755, or --perms)."),
            OptionSpec(
                .proc, "proc", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "A new proc on DEST (the host's when the PID namespace is shared)."),
            OptionSpec(
                .dev, "dev", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "A minimal /dev on DEST: null, zero, full, random, urandom, tty, a private devpts, shm."),
            OptionSpec(
                .mqueue, "mqueue", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "A new mqueue filesystem on DEST."),
            OptionSpec(
                .dir, "dir", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "Create the directory DEST (mode 0755, or --perms)."),
            OptionSpec(
                .symlink, "symlink", .words(2), repeats: true, valueName: "target dest", complete: ValueCompletion(.file, second: .file),
                help: "Create the symbolic link DEST pointing to TARGET."),
            OptionSpec(
                .chmod, "chmod", .words(2), repeats: true, valueName: "octal path", complete: ValueCompletion(.text, second: .file),
                help: "Change the mode of PATH."),
            OptionSpec(
                .file, "file", .words(2), repeats: true, valueName: "fd dest", complete: ValueCompletion(.text, second: .file),
                help: "Create the file DEST with what FD reads (mode 0666, or --perms)."),
            OptionSpec(
                .bindData, "bind-data", .words(2), repeats: true, valueName: "fd dest", complete: ValueCompletion(.text, second: .file),
                help: "Bind a file holding what FD reads on DEST (mode 0600, or --perms)."),
            OptionSpec(
                .roBindData, "ro-bind-data", .words(2), repeats: true, valueName: "fd dest",
                complete: ValueCompletion(.text, second: .file), help: "--bind-data, read-only."),
            OptionSpec(
                .perms, "perms", .required, repeats: true, valueName: "octal", complete: .text,
                help: "The mode of what the next --dir, --file, --tmpfs, --bind-data or --ro-bind-data creates."),
            OptionSpec(
                .size, "size", .required, repeats: true, valueName: "bytes", complete: .text, help: "The size limit of the next --tmpfs."),
            OptionSpec(
                .chdir, "chdir", .required, valueName: "dir", complete: .directory,
                help: "Working directory of the program inside the view (as --wd)."),
            OptionSpec(
                .overlaySrc, "overlay-src", .required, repeats: true, valueName: "src", complete: .directory,
                help: "A lower layer of the next overlay (repeatable, bottom to top)."),
            OptionSpec(
                .overlay, "overlay", .words(3), repeats: true, valueName: "rwsrc workdir dest",
                complete: ValueCompletion(.directory, second: .directory, third: .directory),
                help: "An overlay on DEST whose writes go to the host's RWSRC (WORKDIR on the same filesystem)."),
            OptionSpec(
                .tmpOverlay, "tmp-overlay", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "An overlay on DEST whose writes go to a tmpfs and vanish at exit."),
            OptionSpec(
                .roOverlay, "ro-overlay", .required, repeats: true, valueName: "dest", complete: .directory,
                help: "A read-only overlay on DEST (two layers or more)."),
            OptionSpec(.disableUserns, "disable-userns", help: "The program cannot create further user namespaces."),
            OptionSpec(
                .assertUsernsDisabled, "assert-userns-disabled", help: "Fail unless the program already cannot create user namespaces."),
            OptionSpec(
                .landlock, "landlock",
                help: "Enforce the view with Landlock too; where no mount is possible, Landlock alone (same-path grants only)."),
        ])

    /// The view, operation by operation in command-line order, with bubblewrap's rules for
    /// --perms, --size and --overlay-src (they apply to what follows them).
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        var view = FilesystemView()
        var perms: (mode: UInt32, option: String)?
        var size: (bytes: UInt64, option: String)?
        var overlaySources: [String] = []
        for occurrence in o.occurrences {
            // Other options pass untouched (and cheaply: most launches have no view).
            guard occurrence.key.isViewOption else {
                if let perms {
                    throw SwcloneError.usage(
                        "\(perms.option): must be followed by what it applies to, not --\(occurrence.name)", bwrap: permsLost)
                }
                if let size {
                    throw SwcloneError.usage(
                        "\(size.option): must be followed by --tmpfs, not --\(occurrence.name)", bwrap: sizeLost)
                }
                if let last = overlaySources.last {
                    throw SwcloneError.usage(
                        "--overlay-src \(last): must be followed by --overlay, --tmp-overlay or --ro-overlay", bwrap: overlaySourceLost)
                }
                continue
            }
            let words = [occurrence.value ?? ""] + occurrence.more
            let option = spaced(["--" + occurrence.name] + words)
            func destination(_ index: Int) throws -> String { try viewPath(words[index], option: option) }
            func descriptor(_ index: Int) throws -> Int32 { try openDescriptor(words[index], option: option) }
            // What a modifier applies to; nil where it would be lost (a usage error, as bubblewrap).
            var usesPerms = false, usesSize = false
            let kind: ViewOperation.Kind?
            switch occurrence.key {
            case .bind, .bindTry, .roBind, .roBindTry, .devBind, .devBindTry:
                let access: BindAccess =
                    [.roBind, .roBindTry].contains(occurrence.key)
                    ? .readOnly
                    : [.devBind, .devBindTry].contains(occurrence.key) ? .devices : .readWrite
                guard !words[0].isEmpty else { throw SwcloneError.usage("\(option): the source is empty") }
                kind = .bind(source: words[0], access: access, optional: [.bindTry, .roBindTry, .devBindTry].contains(occurrence.key))
            case .bindFD, .roBindFD:
                kind = .bindDescriptor(fd: try descriptor(0), access: occurrence.key == .roBindFD ? .readOnly : .readWrite)
            case .remountRO: kind = .remountReadOnly
            case .tmpfs:
                usesPerms = true
                usesSize = true
                kind = .tmpfs(mode: perms?.mode ?? 0o755, size: size?.bytes)
            case .proc: kind = .proc
            case .dev: kind = .dev
            case .mqueue: kind = .mqueue
            case .dir:
                usesPerms = true
                kind = .dir(mode: perms?.mode ?? 0o755)
            case .symlink: kind = .symlink(target: words[0])
            case .chmod: kind = .chmod(mode: try octalMode(words[0], option: option))
            case .file:
                usesPerms = true
                kind = .file(fd: try descriptor(0), mode: perms?.mode ?? 0o666)
            case .bindData, .roBindData:
                usesPerms = true
                kind = .bindData(fd: try descriptor(0), mode: perms?.mode ?? 0o600, readOnly: occurrence.key == .roBindData)
            case .overlay, .tmpOverlay, .roOverlay:
                let needed = occurrence.key == .roOverlay ? 2 : 1
                guard overlaySources.count >= needed else {
                    let count = needed == 1 ? "one" : "two"
                    throw SwcloneError.usage(
                        "\(option): needs at least \(count) --overlay-src before it",
                        bwrap: "--\(occurrence.name) requires at least \(count) --overlay-src")
                }
                let upper: OverlayUpper =
                    occurrence.key == .overlay
                    ? .directory(words[0], work: words[1])
                    : occurrence.key == .tmpOverlay ? .temporary : .none
                kind = .overlay(sources: overlaySources, upper: upper)
                overlaySources = []
            case .overlaySrc:
                guard !words[0].isEmpty else { throw SwcloneError.usage("\(option): the source is empty") }
                overlaySources.append(words[0])
                continue
            case .perms:
                if let perms {
                    throw SwcloneError.usage(
                        "\(option): \(perms.option) is already waiting for what it applies to",
                        bwrap: "--perms given twice for the same action")
                }
                perms = (try octalMode(words[0], option: option), option)
                continue
            case .size:
                if let size {
                    throw SwcloneError.usage(
                        "\(option): \(size.option) is already waiting for its --tmpfs", bwrap: "--size given twice for the same action")
                }
                guard let bytes = UInt64(words[0]), bytes > 0, bytes <= UInt64(Int.max) else {
                    throw SwcloneError.usage("\(option): the size is a number of bytes, more than 0")
                }
                size = (bytes, option)
                continue
            case .disableUserns:
                view.disableUserNamespaces = true
                kind = nil
            case .assertUsernsDisabled:
                view.assertUserNamespacesDisabled = true
                kind = nil
            case .landlock:
                view.landlock = true
                kind = nil
            default:
                kind = nil
            }
            if let pending = perms, !usesPerms {
                throw SwcloneError.usage(
                    "\(pending.option): must be followed by --dir, --file, --tmpfs, --bind-data or --ro-bind-data", bwrap: permsLost)
            }
            if let pending = size, !usesSize {
                throw SwcloneError.usage("\(pending.option): must be followed by --tmpfs", bwrap: sizeLost)
            }
            if !overlaySources.isEmpty {
                throw SwcloneError.usage(
                    "--overlay-src \(overlaySources.last!): must be followed by another --overlay-src, --overlay, --tmp-overlay or --ro-overlay",
                    bwrap: overlaySourceLost)
            }
            let explicitPerms = usesPerms ? perms?.mode : nil
            if usesPerms { perms = nil }
            if usesSize { size = nil }
            guard let kind else { continue }
            let destinationIndex = words.count - 1
            view.operations.append(
                ViewOperation(kind, destination: try destination(destinationIndex), option: option, perms: explicitPerms))
        }
        if let perms { throw SwcloneError.usage("\(perms.option): nothing follows it to apply to", bwrap: permsLost) }
        if let size { throw SwcloneError.usage("\(size.option): nothing follows it to apply to", bwrap: sizeLost) }
        if let last = overlaySources.last {
            throw SwcloneError.usage(
                "--overlay-src \(last): must be followed by --overlay, --tmp-overlay or --ro-overlay", bwrap: overlaySourceLost)
        }
        if let dir = try o.path(.chdir) {
            spec.workingDirectory = dir
            spec.workingDirectoryOption = "--chdir"
        }
        if view.buildsRoot && spec.root != nil {
            throw SwcloneError.usage("--root and a filesystem view both choose the root; give one")
        }
        spec.view = view
    }

    /// A destination inside the new root: absolute, normalized, never above it.
    static func viewPath(_ text: String, option: String) throws -> String {
        guard !text.isEmpty else { throw SwcloneError.usage("\(option): the destination is empty") }
        guard let path = normalizedPath(text) else { throw SwcloneError.usage("\(option): '..' may not appear in a destination") }
        return path
    }

    private static func octalMode(_ text: String, option: String) throws -> UInt32 {
        guard !text.isEmpty, let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
            throw SwcloneError.usage("\(option): '\(text)' is not an octal mode up to 07777")
        }
        return mode
    }

    private static func openDescriptor(_ text: String, option: String) throws -> Int32 {
        guard let fd = Int32(text), fd >= 0 else { throw SwcloneError.usage("\(option): '\(text)' is not a file descriptor number") }
        guard fcntl(fd, F_GETFD) >= 0 else {
            throw SwcloneError.usage("\(option): descriptor \(fd) is not open: \(errnoText(errno))")
        }
        return fd
    }
}

extension OptionKey {
    var isViewOption: Bool {
        switch self {
        case .bind, .bindTry, .roBind, .roBindTry, .devBind, .devBindTry, .bindFD, .roBindFD, .remountRO, .tmpfs, .proc, .dev,
            .mqueue, .dir, .symlink, .chmod, .file, .bindData, .roBindData, .perms, .size, .overlaySrc, .overlay, .tmpOverlay,
            .roOverlay, .disableUserns, .assertUsernsDisabled, .landlock:
            true
        default: false
        }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct ViewHelp: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.bind)) var bind: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.bindTry)) var bindTry: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.roBind)) var roBind: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.roBindTry)) var roBindTry: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.devBind)) var devBind: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.devBindTry)) var devBindTry: [String] = []
    @Option(name: .customLong("bind-fd"), parsing: .upToNextOption, help: ViewOptions.group.help(.bindFD)) var bindFD: [String] = []
    @Option(name: .customLong("ro-bind-fd"), parsing: .upToNextOption, help: ViewOptions.group.help(.roBindFD)) var roBindFD: [String] = []
    @Option(name: .customLong("remount-ro"), help: ViewOptions.group.help(.remountRO)) var remountRO: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.tmpfs)) var tmpfs: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.proc)) var proc: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.dev)) var dev: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.mqueue)) var mqueue: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.dir)) var dir: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.symlink)) var symlink: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.chmod)) var chmod: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.file)) var file: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.bindData)) var bindData: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.roBindData)) var roBindData: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.perms)) var perms: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.size)) var size: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.chdir)) var chdir: String?
    @Option(name: .long, help: ViewOptions.group.help(.overlaySrc)) var overlaySrc: [String] = []
    @Option(name: .long, parsing: .upToNextOption, help: ViewOptions.group.help(.overlay)) var overlay: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.tmpOverlay)) var tmpOverlay: [String] = []
    @Option(name: .long, help: ViewOptions.group.help(.roOverlay)) var roOverlay: [String] = []
    @Flag(name: .long, help: ViewOptions.group.help(.disableUserns)) var disableUserns = false
    @Flag(name: .long, help: ViewOptions.group.help(.assertUsernsDisabled)) var assertUsernsDisabled = false
    @Flag(name: .long, help: ViewOptions.group.help(.landlock)) var landlock = false
}

// bubblewrap's words for a modifier nothing uses (its test suite matches them).
private let permsLost = "--perms must be followed by an option that creates a file"
private let sizeLost = "--size must be followed by --tmpfs"
private let overlaySourceLost =
    "--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay"
