import ArgumentParser
import Glibc
import LaunchSpec

/// Machine-readable output for scripts.
enum StatusOptions {
    static let group = OptionSection(
        "Output for scripts",
        [
            OptionSpec(
                .jsonStatus, "json-status", .required, valueName: "fd|-", complete: .choices("-"),
                help: "Write JSON status lines (bubblewrap's --json-status-fd format) to this descriptor, or stdout for -. Implies --fork.")
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        guard let text = o.last(.jsonStatus) else { return }
        let fd: Int32
        if text == "-" {
            fd = STDOUT_FILENO
        } else {
            guard let n = Int32(text), n >= 0 else {
                throw SwcloneError.usage("--json-status \(text): '\(text)' is not a file descriptor number or -")
            }
            fd = n
        }
        guard fcntl(fd, F_GETFD) >= 0 else {
            throw SwcloneError.usage("--json-status \(text): descriptor \(fd) is not open: \(errnoText(errno))")
        }
        spec.jsonStatusFD = fd
    }
}

/// swift-argument-parser's view of the group, for --help.
struct StatusHelp: ParsableArguments {
    @Option(name: .long, help: StatusOptions.group.help(.jsonStatus)) var jsonStatus: String?
}
