import ArgumentParser
import CloneCore
import CShim
import Glibc
import LaunchSpec

let swcloneVersion = "swclone 0.1.0"

/// swclone's main. A launch goes scanner → spec → clone core without
/// touching swift-argument-parser; that parser answers --help, --version,
/// completions and malformed command lines. Every error ends here as one
/// `swclone: ...` line and the contract's exit status.
public func swcloneMain(_ arguments: [String]) -> Never {
    // Set-user-ID or set-group-ID (or file capabilities): swclone is not built
    // to be a privileged helper, so it does nothing on a caller's behalf.
    if sw_secure_exec() != 0 {
        fail("refusing to run set-user-ID, set-group-ID or with file capabilities: swclone is not a privileged helper",
             status: ExitStatus.setupFailed)
    }
    // `swclone enter ...` joins namespaces; a program named enter needs `swclone -- enter`.
    // `swclone help [enter]`, as the help text suggests; a program named help: `swclone -- help`.
    let words = Array(arguments.dropFirst())
    if words == ["help", "enter"] { answerWithParser(EnterCommand.self, ["--help"]) }
    if words == ["help"] { answerWithParser(LaunchCommand.self, ["--help"]) }
    let entering = words.first == "enter"
    let options = entering ? words.dropFirst() : words[...]
    let shapes = entering ? EnterCommand.shapes : LaunchCommand.shapes
    guard let parsed = parseOptions(options, shapes: shapes) else {
        // `enter` goes straight to its own parser: the launch command's
        // parser would take enter's -r, --root and --wd as its own.
        let arguments = parserArguments(options, shapes: shapes)
        if entering { answerWithParser(EnterCommand.self, arguments) }
        answerWithParser(LaunchCommand.self, arguments)
    }
    do {
        try Launcher.launch(entering ? EnterCommand.makeSpec(parsed, caller: .process)
                                     : LaunchCommand.makeSpec(parsed, caller: .process))
    } catch let error as SwcloneError {
        fail(error.message, status: error.status)
    } catch let answer as Answer {
        _ = answer.text.withCString { write(1, $0, strlen($0)) }
        exit(0)
    } catch {
        fail("\(error)", status: ExitStatus.setupFailed)
    }
}

/// Help, version, completions, or the parser's own usage error.
private func answerWithParser<Command: ParsableCommand>(_: Command.Type, _ arguments: [String]) -> Never {
    do {
        var command = try Command.parseAsRoot(arguments)
        // --help parses into swift-argument-parser's own help command.
        if !(command is Command) {
            try command.run()
            exit(0)
        }
        // The scanner found a problem the parser does not see: a flag given a value.
        fail("cannot parse the command line: \(arguments.joined(separator: " "))", status: ExitStatus.usage)
    } catch {
        if Command.exitCode(for: error) == .success {
            print(Command.fullMessage(for: error))
            exit(0)
        }
        fail(Command.message(for: error), status: ExitStatus.usage)
    }
}

private func fail(_ message: String, status: Int32) -> Never {
    // swift-argument-parser's messages can span lines; the contract wants one.
    let line = "swclone: " + message.split(whereSeparator: \.isNewline)
        .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        .joined(separator: " ") + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}
