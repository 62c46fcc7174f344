import LaunchSpec

/// The spec every command starts from: the program (default $SHELL, then
/// /bin/sh, as unshare and nsenter), where to look for it, its environment.
func programSpec(_ o: ParsedOptions, callerEnvironment: [String]) throws -> LaunchSpec {
    let caller = Dictionary(callerEnvironment.map(splitEntry), uniquingKeysWith: { first, _ in first })
    var argv = o.program
    if argv.isEmpty { argv = [caller["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"] }
    guard !argv[0].isEmpty else { throw SwcloneError.usage("the program name is empty") }
    return LaunchSpec(argv: argv,
                      executableCandidates: executableCandidates(for: argv[0], searchPath: caller["PATH"]),
                      environment: EnvironmentOptions.environment(o, caller: callerEnvironment))
}

private func splitEntry(_ entry: String) -> (String, String) {
    let name = entry.prefix { $0 != "=" }
    return (String(name), String(entry.dropFirst(name.count + 1)))
}
