import ArgumentParser
import Glibc
import HostCheck
import LaunchSpec

/// `swclone --check [--json]`: what this host lets the caller do, instead of a launch.
enum HostCheckOptions {
    static let group = OptionSection(
        "Host check",
        [
            OptionSpec(
                .check, "check",
                help: "Launch nothing: report what this host lets you do (each namespace, unprivileged user namespaces, "
                    + "subordinate IDs, clone3, cgroup v2, Landlock, seccomp) and the fix for what is missing."),
            OptionSpec(.json, "json", help: "With --check: the report as one JSON object (swclone(1), HOST CHECK)."),
        ])

    /// Writes the report and exits 0: it could look. Alone, or with --json only.
    static func run(_ o: ParsedOptions) throws -> Never {
        guard o.flag(.check) else { throw SwcloneError.usage("--json goes with --check (for a launch's status: --json-status)") }
        if let other = o.occurrences.first(where: { $0.key != .check && $0.key != .json }) {
            throw SwcloneError.usage("--check launches nothing and takes no --\(other.name); only --json")
        }
        guard o.program.isEmpty else { throw SwcloneError.usage("--check launches nothing: '\(o.program[0])' is not run") }
        let report = HostReport(try HostObserver.observe())
        let text = o.flag(.json) ? report.json : report.text
        _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        exit(0)
    }
}

/// swift-argument-parser's view of the group, for --help and completions.
struct HostCheckHelp: ParsableArguments {
    @Flag(name: .long, help: HostCheckOptions.group.help(.check)) var check = false
    @Flag(name: .long, help: HostCheckOptions.group.help(.json)) var json = false
}
