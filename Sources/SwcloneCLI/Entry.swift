import ArgumentParser
import CShim
import CloneCore
import Glibc
import LaunchSpec

/// swclone's main. A launch goes scanner → spec → plan → clone core without
/// touching swift-argument-parser, which answers only --help. Every error ends
/// here as one `swclone: ...` line and the contract's exit status.
public func swcloneMain(_ arguments: [String]) -> Never {
    let words = arguments.dropFirst()
    // Started as `bwrap` (a symlink), swclone speaks as bubblewrap: its usage, its name in messages.
    let invokedAs = arguments.first ?? "swclone"
    let startedAsBwrap = isBwrapName(invokedAs)
    var diagnostics = Diagnostics(name: startedAsBwrap ? "bwrap" : "swclone", levels: false)
    if let end = words.firstIndex(of: "--") {
        diagnostics.levels = words[..<end].contains("--level-prefix")
    } else {
        diagnostics.levels = words.contains("--level-prefix")
    }
    // Set-user-ID or set-group-ID (or file capabilities): swclone is not built
    // to be a privileged helper, so it does nothing on a caller's behalf.
    if sw_secure_exec() != 0 {
        diagnostics.fail(
            SwcloneError(
                "refusing to run set-user-ID, set-group-ID or with file capabilities: swclone is not a privileged helper",
                status: ExitStatus.setupFailed))
    }
    // `swclone enter ...` joins namespaces; a program named enter needs `swclone -- enter`.
    // `swclone help [enter]`, as the help text suggests; a program named help: `swclone -- help`.
    if words.elementsEqual(["help", "enter"]) { answer(EnterCommand.self, .help, diagnostics) }
    if words.elementsEqual(["help"]) { answer(LaunchCommand.self, .help, diagnostics) }
    let entering = words.first == "enter" && !startedAsBwrap
    do {
        if entering {
            switch try scanCommandLine(words.dropFirst(), options: EnterOptions.table, other: LaunchOptions.table) {
            case .builtin(let key, let value): try builtin(EnterCommand.self, key, value, diagnostics)
            case .launch(let o): try Launcher.launch(EnterOptions.makeSpec(o, caller: .process))
            }
        }
        switch try scanCommandLine(words, options: LaunchOptions.table, other: EnterOptions.table) {
        case .builtin(let key, let value):
            if key == .check || key == .json { try HostCheckOptions.run(words) }
            if startedAsBwrap { BwrapUsage.answer(key, invokedAs: invokedAs) }
            try builtin(LaunchCommand.self, key, value, diagnostics)
        case .launch(let o):
            let spec = try LaunchOptions.makeSpec(o, caller: .process, startedAsBwrap: startedAsBwrap)
            for warning in spec.warnings { diagnostics.warn(warning) }
            try Launcher.launch(spec)
        }
    } catch let error as SwcloneError {
        diagnostics.fail(error)
    } catch let answer as Answer {
        _ = answer.text.withCString { write(1, $0, strlen($0)) }
        exit(0)
    } catch {
        diagnostics.fail(SwcloneError("\(error)", status: ExitStatus.setupFailed))
    }
}

/// Whether a path's last component is `bwrap` (in C: splitting a String costs the launch an array type).
private func isBwrapName(_ path: String) -> Bool {
    path.withCString { p in
        let name = strrchr(p, Int32(UInt8(ascii: "/"))).map { UnsafePointer($0) + 1 } ?? p
        return strcmp(name, "bwrap") == 0
    }
}

/// How diagnostics are written: whose name starts them (`bwrap` when started under that name,
/// whose messages scripts match), and with bubblewrap's --level-prefix, their syslog level.
struct Diagnostics {
    var name: String
    var levels: Bool

    func fail(_ error: SwcloneError) -> Never {
        let message = name == "bwrap" ? error.bwrapMessage ?? error.message : error.message
        write((levels ? "<3>" : "") + errorLine(message, name: name))
        exit(name == "bwrap" ? Self.bubblewrapStatus(error.status) : error.status)
    }

    /// As bwrap, whose scripts test for it: 1 for every failure of its own (usage, set-up, exec).
    static func bubblewrapStatus(_ status: Int32) -> Int32 {
        switch status {
        case ExitStatus.usage, ExitStatus.setupFailed, ExitStatus.cannotRun, ExitStatus.notFound: 1
        default: status
        }
    }

    func warn(_ message: String) {
        write((levels ? "<4>" : "") + errorLine(message, name: name))
    }

    private func write(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}

/// --version and the completion scripts are swclone's own (`Answer`); help from swift-argument-parser.
private func builtin<Command: ParsableCommand>(
    _ command: Command.Type, _ key: OptionKey, _ value: String?, _ diagnostics: Diagnostics
) throws -> Never {
    switch key {
    case .version: throw Answer(text: versionText())
    case .generateCompletionScript: throw Answer(text: try completionScript(value ?? ""))
    default: answer(command, key, diagnostics)
    }
}

/// Help or the JSON help, from swift-argument-parser.
private func answer<Command: ParsableCommand>(_: Command.Type, _ key: OptionKey, _ diagnostics: Diagnostics) -> Never {
    let words = key == .experimentalDumpHelp ? ["--experimental-dump-help"] : ["--help"]
    do {
        var command = try Command.parseAsRoot(words)
        try command.run()
        exit(0)
    } catch {
        if Command.exitCode(for: error) == .success {
            print(Command.fullMessage(for: error))
            exit(0)
        }
        diagnostics.fail(SwcloneError(Command.message(for: error), status: ExitStatus.usage))
    }
}
