import Foundation
import Testing

/// Runs the built swclone as a user would and reports what happened.
/// Tests check what the kernel reports from inside; nothing here is mocked.
struct Run {
    var status: Int32
    /// The signal that killed swclone, if one did.
    var signal: Int32?
    var stdout: String
    var stderr: String

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastEmpty() }
}

enum Swclone {
    /// The swclone built beside this test bundle, or $SWCLONE.
    static let path: String = {
        if let p = ProcessInfo.processInfo.environment["SWCLONE"], !p.isEmpty { return p }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("swclone").path
    }()

    /// Runs `swclone args...`, killed after `timeout` seconds.
    @discardableResult
    static func run(
        _ args: [String], stdin: String? = nil, environment: [String: String]? = nil,
        asUser user: String? = nil, timeout: Double = 20
    ) throws -> Run {
        var executable = path
        var arguments = args
        if let user {
            // setpriv drops to an unprivileged user with no capabilities at all.
            executable = "/usr/bin/setpriv"
            arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all", path] + args
        }
        return try runProgram(executable, arguments, stdin: stdin, environment: environment, timeout: timeout)
    }
}

/// Runs any program the same way (also used for host-side checks), with the
/// running test's mark in its environment (`ProcessMark`). It is
/// spawned with an empty signal mask and default dispositions, as from a
/// shell: the test runner's threads block signals, and swclone rightly passes
/// an inherited mask on to the program.
func runProgram(
    _ executable: String, _ arguments: [String], stdin: String? = nil,
    environment: [String: String]? = nil, timeout: Double = 20
) throws -> Run {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let inPath = dir.appendingPathComponent("in").path, outPath = dir.appendingPathComponent("out").path,
        errPath = dir.appendingPathComponent("err").path
    try (stdin ?? "").write(toFile: inPath, atomically: false, encoding: .utf8)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t(), all = sigset_t()
    sigemptyset(&empty)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    // Every process a test starts carries the test's mark (see ProcessMark), an
    // explicit environment too: the no-leftover check finds what it left by it.
    let env = ProcessMark.marking(environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }

    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while waitpid(pid, &status, WNOHANG) == 0 {
        // Past its own timeout, or the test's time limit cancelled the test.
        if Date() > deadline || Task.isCancelled { kill(pid, SIGKILL) }
        usleep(2000)
    }
    let signal = status & 0x7f
    return Run(
        status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
        signal: signal == 0 ? nil : signal,
        stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// Writes a file through a close-on-exec descriptor. Tests run in parallel:
/// a program another test spawns meanwhile would otherwise inherit the
/// descriptor, and exec of this file would fail with ETXTBSY.
func writeFile(_ path: String, _ data: Data, mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == data.count else { throw POSIXError(.EIO) }
    fchmod(fd, mode)
}

/// Runs a program the test has just written: while another test spawns a process, that process
/// holds a copy of the writing descriptor until its exec closes it, and exec of the new file
/// fails with ETXTBSY meanwhile, so that failure is tried again.
func runFreshlyWritten(_ executable: String, _ arguments: [String]) throws -> Run {
    var run = try runProgram(executable, arguments)
    for _ in 0..<50 where run.stderr.contains("Text file busy") {
        usleep(20_000)
        run = try runProgram(executable, arguments)
    }
    return run
}

/// Copies a file (following links) the same way.
func copyFile(_ from: String, to: String, mode: mode_t = 0o755) throws {
    try writeFile(to, Data(contentsOf: URL(fileURLWithPath: from).resolvingSymlinksInPath()), mode: mode)
}

/// Privileged tests run as root. Elsewhere they are skipped with the reason
/// shown, except under CI=true, where they run and fail: a skipped privileged
/// test must not pass CI.
enum Privilege {
    static let isRoot = geteuid() == 0
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let root: Bool = isRoot || inCI
    static let reason: Comment = "needs root (run as root, as CI does)"
}

extension Trait where Self == ConditionTrait {
    /// The test needs root; see `Privilege`.
    static var needsRoot: Self { .enabled(if: Privilege.root, Privilege.reason) }
}

/// The namespace inode link of a process, e.g. "pid:[4026531836]".
func namespaceLink(_ name: String, pid: String = "self") -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(name)")) ?? ""
}

extension Array where Element == String {
    func dropLastEmpty() -> [String] { last == "" ? Array(dropLast()) : self }
}

/// Asserts the contract's error shape: exactly one `swclone: ` line, and
/// the documented exit status when one is given.
func expectOneErrorLine(
    _ run: Run, status: Int32? = nil, containing fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let status {
        #expect(run.status == status, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    }
    let lines = run.stderr.split(separator: "\n")
    #expect(lines.count == 1, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("swclone: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.contains(fragment), "stderr lacks '\(fragment)': \(run.stderr)", sourceLocation: sourceLocation)
}
