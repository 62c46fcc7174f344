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
    static func run(_ args: [String], stdin: String? = nil, environment: [String: String]? = nil,
                    asUser user: String? = nil, timeout: Double = 20) throws -> Run {
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

/// Runs any program the same way (used for host-side checks).
func runProgram(_ executable: String, _ arguments: [String], stdin: String? = nil,
                environment: [String: String]? = nil, timeout: Double = 20) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    }
    let deadline = DispatchTime.now() + timeout
    let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: deadline, execute: killer)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    let signaled = process.terminationReason == .uncaughtSignal
    return Run(status: signaled ? 128 + process.terminationStatus : process.terminationStatus,
               signal: signaled ? process.terminationStatus : nil,
               stdout: String(decoding: outData, as: UTF8.self),
               stderr: String(decoding: errData, as: UTF8.self))
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

/// Asserts the contract's error shape: exactly one `swclone: ` line.
func expectOneErrorLine(_ run: Run, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lines = run.stderr.split(separator: "\n")
    #expect(lines.count == 1, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.hasPrefix("swclone: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.contains(fragment), "stderr lacks '\(fragment)': \(run.stderr)", sourceLocation: sourceLocation)
}
