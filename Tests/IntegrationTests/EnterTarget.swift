import Foundation
import Testing

/// A swclone left running `sleep` in the background, for `swclone enter` to
/// join. Its PID is the host PID of that sleep, found by a unique argument
/// (inside a new PID namespace the program cannot tell it). Stopped (and
/// reaped) by `stop()`; tests call it in a `defer`.
final class EnterTarget {
    let process = Process()
    private(set) var pid: Int32 = 0

    /// `swclone options... -- sh -c "prelude; exec sleep N"`, as `user` if given. With `script`, the
    /// shell gets it as $0 and the sleep's argument as $1 (a prelude that execs sleep N itself).
    init(
        _ options: [String], prelude: String = "true", script: String? = nil, asUser user: String? = nil,
        environment: [String: String]? = nil
    ) throws {
        let seconds = "60.\(Int.random(in: 100_000...999_999))"
        var arguments = options + ["--", "sh", "-c", "\(prelude) && exec sleep \(seconds)"]
        if let script { arguments += [script, seconds] }
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all", Swclone.path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Swclone.path)
        }
        process.arguments = arguments
        // With the test's mark (ProcessMark), as runProgram gives it.
        process.environment = ProcessMark.marking(environment ?? ProcessInfo.processInfo.environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            let found = try runProgram("/usr/bin/pgrep", ["-x", "-f", "sleep \(seconds)"])
            if let pid = Int32(found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) {
                self.pid = pid
                return
            }
            if !process.isRunning { break }
            usleep(50_000)
        }
        stop()
        throw TargetError(message: "the target never started: swclone \(options.joined(separator: " "))")
    }

    func stop() {
        if pid > 0 { kill(pid, SIGKILL) }
        // swclone reaps the program before it ends the same way: once it has, a PID namespace whose
        // init the program was is gone too (killing swclone at once left a namespace still ending).
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct TargetError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A temporary directory of empty files for namespaces to be kept on. Every
/// file is unmounted (lazily, repeatedly: binds can stack) and the directory
/// removed by `remove()`, whatever the test did.
final class NamespaceFileDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/swclone-ns.XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TargetError(message: "mkdtemp: \(errno)") }
        path = String(cString: template)
        chmod(path, 0o755)
    }

    /// An empty file to bind a namespace on.
    func file(_ name: String) -> String {
        let file = "\(path)/\(name)"
        FileManager.default.createFile(atPath: file, contents: nil)
        return file
    }

    /// True when something is mounted on `file`.
    func isMounted(_ file: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == file }
    }

    func remove() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names {
            while isMounted("\(path)/\(name)") && umount2("\(path)/\(name)", Int32(MNT_DETACH)) == 0 {}
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
