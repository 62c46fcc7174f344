import ArgumentParser

/// An option's typed name: what the scanner records and what spec building
/// reads. The same key may have a different shape in the two commands
/// (`--root DIR` to launch, nsenter's `--root[=DIR]` to enter).
public enum OptionKey: UInt8, Sendable {
    case pid, mount, uts, ipc, net, user, cgroup, time
    case fork, forwardSignals, hostname, monotonic, boottime
    case setTID, intoCgroup
    case killChild, runInit
    case mountProc, propagation, root, wd
    case mapRootUser, mapCurrentUser, mapUser, mapGroup, mapUsers, mapGroups, mapAuto, mapSubids, setgroups
    case setuid, setgid, owner
    case clearEnv, whitelistEnv
    case capDrop, capAdd, keepCaps, noNewPrivs, newSession
    case jsonStatus
    /// LimitOptions, from timeout to rlimit: kept together (its spec building checks the range).
    case timeout, killTree, memoryMax, pidsMax, cpuMax, cgroupParent, rlimit
    case target, all, joinCgroup, preserveCredentials, wdns, env, noFork
    case netSocket, userParent, followContext
    case check, json
    case bind, bindTry, roBind, roBindTry, devBind, devBindTry, bindFD, roBindFD, remountRO
    case tmpfs, proc, dev, mqueue, dir, symlink, chmod, file, bindData, roBindData, perms, size, chdir
    case overlaySrc, overlay, tmpOverlay, roOverlay, disableUserns, assertUsernsDisabled, landlock
    case unshareUser, unshareUserTry, unshareIPC, unsharePID, unshareNet, unshareUTS, unshareCgroup, unshareCgroupTry
    case unshareAll, shareNet, userns, userns2, pidns, sandboxUID, sandboxGID, args, argv0, setenv, unsetenv, clearenv
    case dieWithParent, asPID1, syncFD, blockFD, usernsBlockFD, infoFD, jsonStatusFD, lockFile, levelPrefix
    case execLabel, fileLabel
    case seccomp, addSeccompFD, seccompDefault
    /// Answered by swift-argument-parser, never part of a launch.
    case help, version, generateCompletionScript, experimentalDumpHelp
}

/// One option, declared once: its names, how it takes a value, whether it
/// repeats, whether --help shows it, what its value is for completion, and
/// its help text. The scanner and the completion scripts read it;
/// swift-argument-parser's declarations (for --help) take their help text
/// from it, and a test checks that both agree.
public struct OptionSpec: Sendable {
    public enum Value: Sendable, Equatable {
        /// A flag.
        case none
        /// `--name VALUE`, `--name=VALUE`, `-xVALUE`, `-x VALUE`.
        case required
        /// unshare's `--name[=VALUE]`: only `=` gives a value; the short form is a flag.
        case optional
        /// nsenter's: as `optional`, and a value attached to the short form counts too (`-m/run/ns/mnt`).
        case optionalAttached
        /// bubblewrap's: `--name A B` (or three words), each its own word, never `=`.
        case words(Int)

        /// How many words its value has (one for the others, attached or not).
        public var wordCount: Int {
            switch self {
            case .none: 0
            case .required, .optional, .optionalAttached: 1
            case .words(let count): count
            }
        }
    }

    public let key: OptionKey
    public let long: String
    public let short: Character?
    public let value: Value
    /// Every value is kept (`--cap-drop a --cap-drop b`); otherwise the last one counts.
    public let repeats: Bool
    public let hidden: Bool
    /// How help names the value (`dir`, `pid[,pid...]`).
    public let valueName: String?
    /// What the value is, for the shells' completion (every option with a value says).
    public let complete: ValueCompletion
    public let help: String

    init(
        _ key: OptionKey, _ long: String, short: Character? = nil, _ value: Value = .none, repeats: Bool = false,
        hidden: Bool = false, valueName: String? = nil, complete: ValueCompletion = .none, help: String
    ) {
        self.key = key
        self.long = long
        self.short = short
        self.value = value
        self.repeats = repeats
        self.hidden = hidden
        self.valueName = valueName
        self.complete = complete
        self.help = help
    }
}

/// Options that --help shows under one title.
public struct OptionSection: Sendable {
    public let title: String
    public let options: [OptionSpec]

    init(_ title: String, _ options: [OptionSpec]) {
        self.title = title
        self.options = options
    }

    /// The help of `key`, for the swift-argument-parser declaration of the same option.
    func help(_ key: OptionKey) -> ArgumentHelp {
        let option = options.first { $0.key == key }
        return ArgumentHelp(option?.help ?? "", valueName: option?.valueName)
    }
}

/// Every option of one command, group by group (kept apart: joining them
/// copied every entry at each launch).
public struct CommandOptions: Sendable {
    public let name: String
    public let groups: [OptionSection]
    /// Options that answer instead of a launch (`--check`): made only when a name is none of
    /// `groups`, so a launch never pays for them; then found as any other.
    let answering: @Sendable () -> [OptionSection]

    init(name: String, groups: [OptionSection], answering: @escaping @Sendable () -> [OptionSection] = { [] }) {
        self.name = name
        self.groups = groups
        self.answering = answering
    }

    /// The option named `--long` exactly.
    func option(long: String) -> OptionSpec? {
        for group in groups {
            for option in group.options where option.long == long { return option }
        }
        return nil
    }

    func option(short: Character) -> OptionSpec? {
        for group in groups {
            for option in group.options where option.short == short { return option }
        }
        return nil
    }

    public var all: [OptionSpec] { sections.flatMap(\.options) }
    /// Every section, the answering ones last.
    public var sections: [OptionSection] { groups + answering() }
}

/// Options swift-argument-parser adds to every command; `-V` is util-linux's.
let builtinOptions = OptionSection(
    "",
    [
        OptionSpec(.help, "help", short: "h", help: "Show help information."),
        OptionSpec(.version, "version", short: "V", help: "Show the version."),
        OptionSpec(
            .generateCompletionScript, "generate-completion-script", .required, valueName: "shell",
            complete: .choices("bash|zsh|fish"),
            help: "Generate a completion script for bash, zsh or fish."),
        OptionSpec(
            .experimentalDumpHelp, "experimental-dump-help", hidden: true,
            help: "Dump help information as JSON."),
    ])
