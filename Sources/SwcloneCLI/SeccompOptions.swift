import ArgumentParser
import Glibc
import LaunchSpec

/// Seccomp filters, loaded last before exec: bubblewrap's compiled programs, and swclone's own.
enum SeccompOptions {
    static let group = OptionSection(
        "Seccomp",
        [
            OptionSpec(
                .seccomp, "seccomp", .required, valueName: "fd",
                help: "Load the compiled seccomp filter (classic BPF, as bubblewrap takes it) that FD reads; implies --no-new-privs."),
            OptionSpec(
                .addSeccompFD, "add-seccomp-fd", .required, repeats: true, valueName: "fd",
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
        spec.seccompPrograms =
            try single.map { [try program($0, option: "--seccomp")] } ?? added.map { try program($0, option: "--add-seccomp-fd") }
    }

    /// The filter `text` names a descriptor of: read to its end now (the child may not allocate) and
    /// closed, as bubblewrap does. What the kernel will not load at all is a usage error here; where
    /// bubblewrap's tests match its words, they are given for swclone started as `bwrap`.
    private static func program(_ text: String, option: String) throws -> SeccompProgram {
        let given = "\(option) \(text)"
        guard let fd = Int32(text), fd >= 0 else {
            throw SwcloneError.usage("\(given): '\(text)' is not a file descriptor number", bwrap: "Invalid fd: \(text)")
        }
        func unreadable(_ what: String) -> SwcloneError {
            let err = errno
            return .usage("\(given): \(what): \(errnoText(err))", bwrap: "Can't read seccomp data: \(String(cString: strerror(err)))")
        }
        guard fcntl(fd, F_GETFD) >= 0 else { throw unreadable("descriptor \(fd) is not open") }
        guard let bytes = readToEnd(fd) else { throw unreadable("cannot read the filter") }
        close(fd)
        guard !bytes.isEmpty else { throw SwcloneError.usage("\(given): the filter is empty (it has no instruction)") }
        guard bytes.count % 8 == 0 else {
            throw SwcloneError.usage(
                "\(given): \(bytes.count) bytes are not whole instructions (struct sock_filter, 8 bytes each)",
                bwrap: "Invalid seccomp data, must be multiple of 8")
        }
        guard bytes.count / 8 <= SeccompProgram.maxInstructions else {
            throw SwcloneError.usage(
                "\(given): \(bytes.count / 8) instructions; the kernel loads at most \(SeccompProgram.maxInstructions) in one filter")
        }
        return SeccompProgram(instructions: bytes, option: given)
    }
}

/// swift-argument-parser's view of the group, for --help and completions.
struct SeccompHelp: ParsableArguments {
    @Option(name: .long, help: SeccompOptions.group.help(.seccomp)) var seccomp: String?
    @Option(name: .customLong("add-seccomp-fd"), help: SeccompOptions.group.help(.addSeccompFD)) var addSeccompFD: [String] = []
    @Flag(name: .long, help: SeccompOptions.group.help(.seccompDefault)) var seccompDefault = false
}
