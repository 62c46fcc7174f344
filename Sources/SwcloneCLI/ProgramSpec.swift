import Glibc
import LaunchSpec

/// swclone's own environment, read by name. A launch that passes it on
/// unchanged never copies it into Swift strings (a measurable share of a
/// launch): only the options that change it list every entry.
struct CallerEnvironment {
    let value: (String) -> String?
    let entries: () -> [String]

    /// This process's environment.
    static var process: CallerEnvironment {
        CallerEnvironment(
            value: { name in getenv(name).map { String(cString: $0) } },
            entries: {
                var result: [String] = []
                var entry = environ
                while let p = entry.pointee {
                    result.append(String(cString: p))
                    entry += 1
                }
                return result
            })
    }

    /// A given KEY=VALUE list (the first of a name wins, as getenv).
    init(_ list: [String]) {
        value = { name in list.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.utf8.count + 1)) } }
        entries = { list }
    }

    private init(value: @escaping (String) -> String?, entries: @escaping () -> [String]) {
        self.value = value
        self.entries = entries
    }
}

/// The spec every command starts from: the program, where to look for it,
/// its environment. With no program, $SHELL (then /bin/sh) as a login shell,
/// as unshare and nsenter run it.
func programSpec(_ o: ParsedOptions, caller: CallerEnvironment) throws -> LaunchSpec {
    var argv = o.program
    let candidates: [String]
    let runsShell = argv.isEmpty
    if runsShell {
        (argv, candidates) = loginShell(caller.value("SHELL").flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh")
    } else {
        guard !argv[0].isEmpty else { throw SwcloneError.usage("the program name is empty") }
        candidates = executableCandidates(for: argv[0], searchPath: caller.value("PATH"))
    }
    // One construction, in place: two paths that each made a LaunchSpec copied it whole (140 instructions).
    var spec = LaunchSpec(argv: argv, executableCandidates: candidates, environment: EnvironmentOptions.environment(o, caller: caller))
    spec.runsShell = runsShell
    return spec
}
