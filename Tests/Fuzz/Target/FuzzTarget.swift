// The libFuzzer target of `make fuzz`: one input is one command line, its words separated by
// NUL bytes. Each goes through what swcloneMain does before launching: the scanner for the
// launch command (as swclone and as bwrap) and for `enter`, the spec, and the launch plan with
// fixed facts (root, unprivileged, and root in a container whose /proc is not its own). Nothing
// is launched: spec building only looks things up (user and group names, /etc/subuid,
// /proc/self/uid_map, fcntl(F_GETFD) on a --json-status descriptor) and the plan is pure.
//
// A SwcloneError (usage 64, set-up 125) or an Answer (`--cap-drop help`) is an answer; any
// other error, a trap (overflow, index out of range, force unwrap) or a broken plan
// invariant below is a finding, and libFuzzer keeps the input as a crash artifact.
import LaunchPlan
import LaunchSpec

@testable import SwcloneCLI

#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let words =
        size == 0
        ? []
        : UnsafeBufferPointer(start: data, count: size)
            .split(separator: 0, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }  // as swclone reads argv: invalid UTF-8 repaired
    // As Entry.swift: `enter` first selects the enter command; every input is also tried as
    // an enter command line as it is, and as a launch command line (a program named enter).
    let enterWords = words.first == "enter" ? Array(words.dropFirst()) : words
    answer { try launch(words, options: LaunchOptions.table, other: EnterOptions.table) { try LaunchOptions.makeSpec($0, caller: $1) } }
    // Started as `bwrap`: the same table, bubblewrap's defaults and words.
    answer {
        try launch(words, options: LaunchOptions.table, other: EnterOptions.table) {
            try LaunchOptions.makeSpec($0, caller: $1, startedAsBwrap: true)
        }
    }
    answer { try launch(enterWords, options: EnterOptions.table, other: LaunchOptions.table, build: EnterOptions.makeSpec) }
    return 0
}

/// `SWCLONE_FUZZ_DICTIONARY=1 swclone-fuzz` prints a libFuzzer dictionary made from the option
/// table (every name of both commands, with `=` for those that take one) and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<Int32>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> Int32 {
    guard getenv("SWCLONE_FUZZ_DICTIONARY") != nil else { return 0 }
    var entries: [String] = ["\\x00", "--", "-", "=", ",", ":", "enter", "help"]
    for option in LaunchOptions.table.all + EnterOptions.table.all + builtinOptions.options {
        entries.append("--" + option.long)
        if option.value != .none { entries.append("--" + option.long + "=") }
        if let short = option.short { entries.append("-" + String(short)) }
    }
    // Values the options take by name: a mutation rarely spells them.
    entries += [
        "follow", "all", "auto", "subids", "allow", "deny", "private", "shared", "slave", "unchanged",
        "TERM", "SIGKILL", "cap_sys_admin", "net_raw", "0:100000:65536", "100000,0,65536", "/proc",
        "4294967295", "-1", "bash", "zsh", "fish", "nobody", "root",
    ]
    var seen = Set<String>()
    var text = ""
    for entry in entries where seen.insert(entry).inserted { text += "\"\(entry)\"\n" }
    _ = text.withCString { write(1, $0, strlen($0)) }
    exit(0)
}

/// Scans, builds the spec and plans it with each set of facts.
private func launch(
    _ words: [String], options: CommandOptions, other: CommandOptions,
    build: (ParsedOptions, CallerEnvironment) throws -> LaunchSpec
) throws {
    // --args FD reads nothing here: the descriptor would be one of the fuzzer's own, read and closed.
    guard case .launch(let parsed) = try scanCommandLine(words, options: options, other: other, readArguments: { _ in [] }) else {
        return  // --help, --version, completions: swift-argument-parser's, never a launch
    }
    let spec = try build(parsed, caller)
    for facts in [root, unprivileged, container] {
        let target = spec.join.map(targetFacts)
        answer { try checkInvariants(LaunchPlan(spec: spec, facts: facts.for(spec), target: target)) }
    }
}

/// What swclone answers with instead of launching.
private func answer(_ body: () throws -> Void) {
    do {
        try body()
    } catch let error as SwcloneError {
        precondition(
            error.status == ExitStatus.usage || error.status == ExitStatus.setupFailed,
            "status \(error.status) for: \(error.message)")
        precondition(!error.message.isEmpty, "an empty error message")
        _ = errorLine(error.message)
    } catch is Answer {
    } catch {
        fatalError("unexpected error \(type(of: error)): \(error)")
    }
}

/// What CloneCore relies on without checking again.
private func checkInvariants(_ plan: LaunchPlan) {
    let steps = plan.steps
    let waits = steps.filter { $0 == .waitForParent }.count
    precondition(waits <= 1, "waits for the parent \(waits) times: \(steps)")
    // The parent makes the sync pipe when waitsForParent says so, and must be free to write
    // while the child waits: never a child that holds swclone until its exec.
    if waits == 1 {
        precondition(plan.waitsForParent, "a wait step the launcher makes no pipe for: \(steps)")
        precondition(plan.start == .clone3, "a waiting child started as \(plan.start): \(steps)")
    }
    if plan.outsideMaps != nil && plan.start != .inPlace {
        precondition(plan.waitsForParent, "a child whose maps are written from outside does not wait for them: \(steps)")
    }
    if let signal = plan.killChildSignal {
        precondition(steps.first == .parentDeath(signal: signal), "--kill-child armed late: \(steps)")
        precondition(plan.start != .inPlace, "--kill-child in place")
    } else {
        precondition(!steps.contains { if case .parentDeath = $0 { true } else { false } }, "a death signal nobody asked for")
    }
    // The terminal is taken last but for the seccomp filters, which come after every step they may refuse.
    if let last = steps.lastIndex(of: .takeTerminal) {
        let after = steps[(last + 1)...]
        precondition(
            after.allSatisfy { if case .seccomp = $0 { true } else { false } } && plan.terminal != nil && plan.start != .inPlace,
            "the terminal taken before the last step, or in place: \(steps)")
    }
    switch plan.start {
    case .inPlace:
        precondition(
            plan.setTID.isEmpty && plan.jsonStatus == nil && !plan.runsInit && plan.terminal == nil,
            "in place with what needs a child")
        precondition(!plan.namespaceFlags.contains(.pid), "a new PID namespace in place")
        if let cgroup = plan.cgroup, case .into = cgroup { preconditionFailure("--into-cgroup in place") }
    case .sharedMemory:
        precondition(
            plan.keptNamespaces.isEmpty && !plan.runsInit && plan.setTID.isEmpty && plan.cgroup == nil
                && !plan.spec.namespaces.contains(.time) && waits == 0,
            "a child that shares swclone's memory needs what only clone3 gives")
    case .clone3:
        break
    }
    // argv[0] may be empty: bubblewrap's --argv0 "" asks for that.
    precondition(!plan.program.argv.isEmpty && !plan.program.candidates.isEmpty, "no program to run")
}

/// The caller's environment, fixed so that a run can be replayed.
private var caller: CallerEnvironment {
    CallerEnvironment([
        "PATH=/usr/local/bin:/usr/bin:/bin", "SHELL=/bin/bash", "HOME=/root",
        "LANG=C.UTF-8", "TERM=xterm",
    ])
}

private let everything = CapabilitySet.all(count: 41)
/// Root in the initial namespaces, in a terminal's foreground.
private let root = ProcessFacts(
    pid: 4242, uid: 0, gid: 0, effective: everything, permitted: everything, known: everything,
    foregroundTerminal: 0, pidLevels: PIDNamespaceLevels(visible: 1, exact: true))
/// A user with no capabilities, leading its process group (as a shell's command), one PID namespace down.
private let unprivileged = ProcessFacts(
    pid: 77, uid: 1000, gid: 1000, effective: [], permitted: [], known: everything,
    pidMax: 32768, pidLevels: PIDNamespaceLevels(visible: 2, exact: true),
    leadsProcessGroup: true)
/// Root in a container whose /proc belongs to another PID namespace.
private let container = ProcessFacts(
    pid: 1, uid: 0, gid: 0, effective: everything, permitted: everything, known: everything,
    pidMax: 32768, pidLevels: PIDNamespaceLevels(visible: 3, exact: false), procIsOurs: false)

extension ProcessFacts {
    /// As FactsReader: the known capabilities are read only for a spec that asks for some.
    func `for`(_ spec: LaunchSpec) -> ProcessFacts {
        var facts = self
        if spec.capabilities == nil { facts.known = [] }
        return facts
    }
}

/// What TargetProcess.open reads about the target: only what the join asks for.
private func targetFacts(_ join: NamespaceJoin) -> TargetFacts {
    guard join.target != nil else { return TargetFacts() }
    var facts = TargetFacts()
    if join.all { facts.shared = [.user, .cgroup] }
    if join.followUID || join.followGID {
        facts.ownerUID = 1000
        facts.ownerGID = 100
    }
    if join.targetEnvironment { facts.environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "container=lxc", "HOME=/"] }
    if join.joinCgroup { facts.cgroupDirectory = "/sys/fs/cgroup/unified/machine/job" }
    return facts
}

/// SwiftPM links an executable target's main as `<module>_main` (so that tests can import it):
/// this one is libFuzzer's driver.
@_cdecl("SwcloneFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc, argv = argv
    return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
