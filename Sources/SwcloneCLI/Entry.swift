import ArgumentParser
import Glibc
import LaunchSpec

let swcloneVersion = "swclone 0.1.0"

/// Options swift-argument-parser adds to every command.
let builtinShapes = [
    OptionShape("help", short: "h"), OptionShape("version"),
    OptionShape("generate-completion-script", .required), OptionShape("experimental-dump-help"),
]

/// swclone's main: every error ends here as one `swclone: ...` line and the
/// contract's exit status.
public func swcloneMain(_ arguments: [String]) -> Never {
    let args = parserArguments(arguments.dropFirst())
    do {
        var command = try LaunchCommand.parseAsRoot(args)
        try command.run()
        exit(0)
    } catch let error as SwcloneError {
        fail(error.message, status: error.status)
    } catch {
        let code = LaunchCommand.exitCode(for: error)
        if code == .success {
            print(LaunchCommand.fullMessage(for: error))
            exit(0)
        }
        fail(LaunchCommand.message(for: error), status: ExitStatus.usage)
    }
}

/// The arguments in the form swift-argument-parser reads: options, then `--`
/// and the program.
func parserArguments<S: Collection>(_ args: S) -> [String] where S.Element == String {
    let (options, program) = splitArguments(args, shapes: LaunchCommand.shapes)
    return program.isEmpty ? options : options + ["--"] + program
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
