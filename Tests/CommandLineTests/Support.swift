import LaunchSpec
import Testing

@testable import SwcloneCLI

/// The command-line layer's test support: a command line scanned as swclone
/// would, and the spec it builds, with a given caller environment.
func scanLaunch(_ args: [String]) throws -> ParsedOptions {
    try scan(args, LaunchOptions.table, other: EnterOptions.table)
}

func scanEnter(_ args: [String]) throws -> ParsedOptions {
    try scan(args, EnterOptions.table, other: LaunchOptions.table)
}

/// `asBwrap`: swclone started under the name bwrap.
func launchSpec(_ args: [String], environment: [String] = ["PATH=/usr/bin:/bin"], asBwrap: Bool = false) throws -> LaunchSpec {
    try LaunchOptions.makeSpec(scanLaunch(args), caller: CallerEnvironment(environment), startedAsBwrap: asBwrap)
}

func enterSpec(_ args: [String], environment: [String] = ["PATH=/usr/bin:/bin"]) throws -> LaunchSpec {
    try EnterOptions.makeSpec(scanEnter(args), caller: CallerEnvironment(environment))
}

/// The usage error (64) a command line gives, scanning or building its spec; nil if none.
func usageError(_ body: () throws -> Any) -> SwcloneError? {
    do { _ = try body() } catch let e as SwcloneError where e.status == ExitStatus.usage { return e } catch {}
    return nil
}

private func scan(_ args: [String], _ options: CommandOptions, other: CommandOptions) throws -> ParsedOptions {
    switch try scanCommandLine(args, options: options, other: other) {
    case .launch(let parsed): return parsed
    case .builtin(let key, _): throw BuiltinAsked(key: key)
    }
}

/// The command line asked for what swift-argument-parser answers.
struct BuiltinAsked: Error, Equatable {
    let key: OptionKey
}
