import ArgumentParser
import Glibc
import LaunchSpec

/// What stands between the caller and the program: --kill-child and --init.
enum SupervisionOptions {
    static let group = OptionSection(
        "Supervision",
        [
            OptionSpec(
                .killChild, "kill-child", .optional, valueName: "signal", complete: .signal,
                help: "If swclone dies, the program gets SIGKILL (implies --fork). --kill-child=SIGNAL sends SIGNAL (TERM, SIGTERM or 15)."),
            OptionSpec(
                .runInit, "init",
                help: "With --pid: a minimal init is PID 1 (reaps orphans, forwards signals, exits like the program), the program PID 2."),
        ])

    /// After the namespace options: --init needs to know whether --pid was given.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if o.flag(.killChild) {
            spec.killChildSignal = SIGKILL
            if let text = o.last(.killChild) {
                guard let signal = signalNumber(text) else {
                    throw SwcloneError.usage("--kill-child=\(text): not a signal name or number")
                }
                spec.killChildSignal = signal
            }
        }
        if o.flag(.runInit) {
            guard spec.namespaces.contains(.pid) else {
                throw SwcloneError.usage("--init needs --pid: only the first process of a new PID namespace is its init")
            }
            spec.runsInit = true
        }
    }
}

/// swift-argument-parser's view of the group, for --help.
struct SupervisionHelp: ParsableArguments {
    @Flag(name: .long, help: SupervisionOptions.group.help(.killChild)) var killChild = false
    @Flag(name: .customLong("init"), help: SupervisionOptions.group.help(.runInit)) var runInit = false
}
