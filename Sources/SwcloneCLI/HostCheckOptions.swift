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

    /// Writes the report and exits 0: it could look. The scan stopped at the first of --check
    /// and --json; every word must be one of the two (by getopt's rules, abbreviations too).
    static func run<Words: Collection>(_ words: Words) throws -> Never where Words.Element == String {
        var check = false, json = false
        for word in words {
            switch try? scanCommandLine([word], options: LaunchOptions.table) {
            case .builtin(.check, nil)?: check = true
            case .builtin(.json, nil)?: json = true
            case .launch(let o)? where !o.program.isEmpty:
                throw SwcloneError.usage("--check launches nothing: '\(o.program[0])' is not run")
            default:
                throw SwcloneError.usage("--check launches nothing and takes no \(word); only --json")
            }
        }
        guard check else { throw SwcloneError.usage("--json goes with --check (for a launch's status: --json-status)") }
        let report = HostReport(try HostObserver.observe())
        let text = json ? report.json : report.text
        _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        exit(0)
    }
}

/// swift-argument-parser's view of the group, for --help and completions.
struct HostCheckHelp: ParsableArguments {
    @Flag(name: .long, help: HostCheckOptions.group.help(.check)) var check = false
    @Flag(name: .long, help: HostCheckOptions.group.help(.json)) var json = false
}
