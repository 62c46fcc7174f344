import ArgumentParser
import Glibc
import LaunchSpec

/// What stands between the caller and the program: --kill-child and --init.
struct SupervisionOptions: ParsableArguments {
    @Flag(name: .long, help: "If swclone dies, the program gets SIGKILL (implies --fork). --kill-child=SIGNAL sends SIGNAL (TERM, SIGTERM or 15).")
    var killChild = false
    @Option(name: .customLong("kill-child-signal"), help: .private) var killChildSignal: String?
    @Flag(name: .customLong("init"), help: "With --pid: a minimal init is PID 1 (reaps orphans, forwards signals, exits like the program), the program PID 2.")
    var runInit = false

    static let shapes: [OptionShape] = [
        OptionShape("kill-child", .attached(hidden: "kill-child-signal")), OptionShape("init"),
    ]

    /// After the namespace options: --init needs to know whether --pid was given.
    static func apply(_ o: ParsedOptions, to spec: inout LaunchSpec) throws {
        if o.flag("kill-child") {
            spec.killChildSignal = SIGKILL
            if let text = o.last("kill-child-signal") {
                guard let signal = signalNumber(text) else {
                    throw SwcloneError.usage("--kill-child=\(text): not a signal name or number")
                }
                spec.killChildSignal = signal
            }
            spec.fork = true
        }
        if o.flag("init") {
            guard spec.namespaces.contains(.pid) else {
                throw SwcloneError.usage("--init needs --pid: only the first process of a new PID namespace is its init")
            }
            spec.runsInit = true
        }
    }
}
