import ArgumentParser
import Glibc
import LaunchSpec

/// Seccomp filters, loaded last before exec: bubblewrap's compiled programs, and swclone's own.
enum SeccompOptions {
    static let group = OptionSection(
        "Seccomp",
        [
            OptionSpec(
                .seccomp, "seccomp", .required, valueName: "fd", complete: .text,
                help: "Load the compiled seccomp filter (classic BPF, as bubblewrap takes it) that FD reads; implies --no-new-privs."),
            OptionSpec(
                .addSeccompFD, "add-seccomp-fd", .required, repeats: true, valueName: "fd", complete: .text,
                help: "Another compiled seccomp filter (repeatable): every one is loaded, in order. Not with --seccomp."),
            OptionSpec(
                .seccompDefault, "seccomp-default",
                help:
                    "swclone's filter: EPERM for keyrings, bpf, perf events, userfaultfd, modules, kexec, mounts, TIOCSTI... (see SECCOMP)."
            ),
        ])

    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        spec.seccompDefault = o.flag(.seccompDefault)
        let single = o.last(.seccomp), added = o.all(.addSeccompFD)
        guard single != nil || !added.isEmpty else { return }
        if single != nil && !added.isEmpty {
            // bubblewrap's rule, whichever comes first: one filter with --seccomp, or any number with --add-seccomp-fd.
            let seccompFirst = o.occurrences.first { $0.key == .seccomp || $0.key == .addSeccompFD }?.key == .seccomp
            throw SwcloneError.usage(
                seccompFirst ? "--add-seccomp-fd cannot be combined with --seccomp" : "--seccomp cannot be combined with --add-seccomp-fd")
        }
        // As bubblewrap: a repeated --seccomp leaves only its last descriptor read, and says so.
        if o.all(.seccomp).count > 1 { spec.warnings.append("Only the last --seccomp option will take effect") }
        spec.seccompDescriptors =
            try single.map { [try descriptor($0, option: "--seccomp")] } ?? added.map { try descriptor($0, option: "--add-seccomp-fd") }
    }

    /// An open descriptor; swclone reads the filter on it when launching, before anything is set up.
    /// Where bubblewrap's tests match its words, they are given for swclone started as `bwrap`.
    private static func descriptor(_ text: String, option: String) throws -> SeccompDescriptor {
        let given = "\(option) \(text)"
        guard let fd = Int32(text), fd >= 0 else {
            throw SwcloneError.usage("\(given): '\(text)' is not a file descriptor number", bwrap: "Invalid fd: \(text)")
        }
        guard fcntl(fd, F_GETFD) >= 0 else {
            let err = errno
            throw SwcloneError.usage(
                "\(given): descriptor \(fd) is not open: \(errnoText(err))",
                bwrap: "Can't read seccomp data: \(String(cString: strerror(err)))")
        }
        return SeccompDescriptor(fd: fd, option: given)
    }
}

/// swift-argument-parser's view of the group, for --help and completions.
struct SeccompHelp: ParsableArguments {
    @Option(name: .long, help: SeccompOptions.group.help(.seccomp)) var seccomp: String?
    @Option(name: .customLong("add-seccomp-fd"), help: SeccompOptions.group.help(.addSeccompFD)) var addSeccompFD: [String] = []
    @Flag(name: .long, help: SeccompOptions.group.help(.seccompDefault)) var seccompDefault = false
}
