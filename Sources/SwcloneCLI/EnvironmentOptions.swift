import ArgumentParser
import LaunchSpec

/// The program's environment, as util-linux 2.43.
struct EnvironmentOptions: ParsableArguments {
    @Flag(name: .long, help: "Start the program with an empty environment.")
    var clearEnv = false
    @Option(name: .long, help: ArgumentHelp("Start the program with only these variables.", valueName: "name[,name...]"))
    var whitelistEnv: [String] = []

    static let shapes: [OptionShape] = [OptionShape("clear-env"), OptionShape("whitelist-env", .required)]

    /// The program's KEY=VALUE list, or nil for the caller's own, unchanged.
    static func environment(_ o: ParsedOptions, caller: CallerEnvironment) -> [String]? {
        if o.flag("clear-env") { return [] }
        let whitelist = o.all("whitelist-env")
        if whitelist.isEmpty { return nil }
        let names = Set(whitelist.flatMap { $0.split(separator: ",").map(String.init) })
        return caller.entries().filter { entry in names.contains(String(entry.prefix { $0 != "=" })) }
    }
}
