import Foundation
import Testing

/// A directory every caller may write, holding `bin/bwrap`, a symbolic link to the
/// swclone under test: started through it, swclone speaks as bubblewrap. Removed by `remove()`.
struct BwrapScratch {
    let path: String
    var bwrap: String { path + "/bin/bwrap" }

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-bwrap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        chmod(path, 0o777)
        try FileManager.default.createSymbolicLink(atPath: bwrap, withDestinationPath: Swclone.path)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// `command` run as `user` when given: setpriv drops to it with no capabilities, as `Swclone.run` does.
func asCaller(_ user: String?, _ command: [String]) -> (executable: String, arguments: [String]) {
    guard let user else { return (command[0], Array(command.dropFirst())) }
    return ("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all"] + command)
}

/// swclone started under the name bwrap, with `args`.
func runAsBwrap(_ args: [String], asUser user: String? = nil) throws -> Run {
    let scratch = try BwrapScratch()
    defer { scratch.remove() }
    let command = asCaller(user, [scratch.bwrap] + args)
    return try runProgram(command.executable, command.arguments)
}

/// Debian's bwrap with `args`; nil (and the test fails) when it is not installed.
func runBubblewrap(_ args: [String], asUser user: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Run? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else {
        Issue.record("bwrap is not installed (Debian package bubblewrap, installed by make test)", sourceLocation: sourceLocation)
        return nil
    }
    let command = asCaller(user, ["/usr/bin/bwrap"] + args)
    return try runProgram(command.executable, command.arguments)
}

/// Runs a bash script, the whole of it as `user` when given, in a fresh `BwrapScratch` ($D, also its
/// working directory) with $SW the swclone under test and $BWRAP the link named bwrap. Descriptors
/// are handed to swclone with the shell's redirections. Background jobs still running when the
/// script ends are sent SIGTERM; `waitfor CONDITION` polls a shell condition for up to 15 s.
func bwrapScript(_ text: String, asUser user: String? = nil, timeout: Double = 40) throws -> Run {
    let scratch = try BwrapScratch()
    defer { scratch.remove() }
    let prelude = """
        cd "$D" || exit 99
        trap 'kill $(jobs -p) 2>/dev/null' EXIT
        waitfor() { local i; for i in $(seq 300); do eval "$1" && return 0; sleep 0.05; done; echo "timed out: $1"; return 1; }

        """
    let command = asCaller(user, ["/bin/bash", "-c", prelude + text])
    let environment = ["SW": Swclone.path, "BWRAP": scratch.bwrap, "D": scratch.path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
    return try runProgram(command.executable, command.arguments, environment: environment, timeout: timeout)
}

/// The inode of a namespace link such as "net:[4026531833]".
func namespaceInode(_ link: String) -> Int? {
    guard let open = link.firstIndex(of: "["), let close = link.firstIndex(of: "]") else { return nil }
    return Int(link[link.index(after: open)..<close])
}

/// Asserts bubblewrap's error shape when started as bwrap: exactly `line` on stderr, and the status.
func expectBwrapLine(_ run: Run, status: Int32, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == status, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr == line + "\n", "stderr: \(run.stderr)", sourceLocation: sourceLocation)
}
