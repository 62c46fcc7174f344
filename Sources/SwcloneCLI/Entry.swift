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
    let (parsed, parserArguments) = scanArguments(arguments.dropFirst(), shapes: LaunchCommand.shapes)
    guard let parsed else { answerWithParser(parserArguments) }
    do {
        try Launcher.launch(LaunchCommand.makeSpec(parsed, callerEnvironment: currentEnvironment()))
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
private func answerWithParser(_ arguments: [String]) -> Never {
    do {
        var command = try LaunchCommand.parseAsRoot(arguments)
        // --help parses into swift-argument-parser's own help command.
        if !(command is LaunchCommand) {
            try command.run()
            exit(0)
        }
        // The scanner found a problem the parser does not see: a flag given a value.
        fail("cannot parse the command line: \(arguments.joined(separator: " "))", status: ExitStatus.usage)
    } catch {
        if LaunchCommand.exitCode(for: error) == .success {
            print(LaunchCommand.fullMessage(for: error))
            exit(0)
        }
        fail(LaunchCommand.message(for: error), status: ExitStatus.usage)
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

/// swclone's own environment as KEY=VALUE strings.
func currentEnvironment() -> [String] {
    var result: [String] = []
    var entry = environ
    while let p = entry.pointee {
        result.append(String(cString: p))
        entry += 1
    }
    return result
}
