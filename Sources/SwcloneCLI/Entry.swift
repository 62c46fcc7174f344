import ArgumentParser
import CShim
import CloneCore
import Glibc
import LaunchSpec

let swcloneVersion = "swclone 0.1.0"

/// swclone's main. A launch goes scanner → spec → plan → clone core without
/// touching swift-argument-parser, which answers only --help, --version and
/// completions. Every error ends here as one `swclone: ...` line and the
/// contract's exit status.
public func swcloneMain(_ arguments: [String]) -> Never {
    // Set-user-ID or set-group-ID (or file capabilities): swclone is not built
    // to be a privileged helper, so it does nothing on a caller's behalf.
    if sw_secure_exec() != 0 {
        fail(
            "refusing to run set-user-ID, set-group-ID or with file capabilities: swclone is not a privileged helper",
            status: ExitStatus.setupFailed)
    }
    // `swclone enter ...` joins namespaces; a program named enter needs `swclone -- enter`.
    // `swclone help [enter]`, as the help text suggests; a program named help: `swclone -- help`.
    let words = arguments.dropFirst()
    if words.elementsEqual(["help", "enter"]) { answer(EnterCommand.self, .help, nil) }
    if words.elementsEqual(["help"]) { answer(LaunchCommand.self, .help, nil) }
    let entering = words.first == "enter"
    do {
        if entering {
            switch try scanCommandLine(words.dropFirst(), options: EnterOptions.table, other: LaunchOptions.table) {
            case .builtin(let key, let value): answer(EnterCommand.self, key, value)
            case .launch(let o): try Launcher.launch(EnterOptions.makeSpec(o, caller: .process))
            }
        }
        switch try scanCommandLine(words, options: LaunchOptions.table, other: EnterOptions.table) {
        case .builtin(let key, let value): answer(LaunchCommand.self, key, value)
        case .launch(let o): try Launcher.launch(LaunchOptions.makeSpec(o, caller: .process))
        }
    } catch let error as SwcloneError {
        fail(error.message, status: error.status)
    } catch let answer as Answer {
        _ = answer.text.withCString { write(1, $0, strlen($0)) }
        exit(0)
    } catch {
        fail("\(error)", status: ExitStatus.setupFailed)
    }
}

/// Help, version, a completion script or the JSON help, from swift-argument-parser.
private func answer<Command: ParsableCommand>(_: Command.Type, _ key: OptionKey, _ value: String?) -> Never {
    let words: [String]
    switch key {
    case .version: words = ["--version"]
    case .generateCompletionScript: words = ["--generate-completion-script", value ?? ""]
    case .experimentalDumpHelp: words = ["--experimental-dump-help"]
    default: words = ["--help"]
    }
    do {
        var command = try Command.parseAsRoot(words)
        try command.run()
        exit(0)
    } catch {
        if Command.exitCode(for: error) == .success {
            print(Command.fullMessage(for: error))
            exit(0)
        }
        fail(Command.message(for: error), status: ExitStatus.usage)
    }
}

private func fail(_ message: String, status: Int32) -> Never {
    let line = errorLine(message) + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}
