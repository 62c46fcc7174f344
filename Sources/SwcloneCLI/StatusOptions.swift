import ArgumentParser
import Glibc
import LaunchSpec

/// Machine-readable output for scripts.
struct StatusOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Write JSON status lines (bubblewrap's --json-status-fd format) to this descriptor, or stdout for -. Implies --fork.",
        valueName: "fd|-"))
    var jsonStatus: String?

    static let shapes: [OptionShape] = [OptionShape("json-status", .required)]

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        guard let text = o.last("json-status") else { return }
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
        spec.fork = true
    }
}
