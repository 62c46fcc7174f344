import ArgumentParser
import LaunchSpec

/// The program's environment, as util-linux 2.43.
enum EnvironmentOptions {
    static let group = OptionSection(
        "Environment",
        [
            OptionSpec(.clearEnv, "clear-env", help: "Start the program with an empty environment."),
            OptionSpec(
                .whitelistEnv, "whitelist-env", .required, repeats: true, valueName: "name[,name...]", complete: .variable.commaList,
                help: "Start the program with only these variables."),
        ])

    /// The program's KEY=VALUE list, or nil for the caller's own, unchanged.
    static func environment(_ o: ParsedOptions, caller: CallerEnvironment) -> [String]? {
        if o.flag(.clearEnv) { return [] }
        let whitelist = o.all(.whitelistEnv)
        if whitelist.isEmpty { return nil }
        let names = Set(whitelist.flatMap { $0.split(separator: ",").map(String.init) })
        return caller.entries().filter { entry in names.contains(String(entry.prefix { $0 != "=" })) }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct EnvironmentHelp: ParsableArguments {
    @Flag(name: .long, help: EnvironmentOptions.group.help(.clearEnv)) var clearEnv = false
    @Option(name: .long, help: EnvironmentOptions.group.help(.whitelistEnv)) var whitelistEnv: [String] = []
}
