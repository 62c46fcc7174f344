import Foundation
import Testing

/// The mark of the running test: every process the harness starts for it
/// (`runProgram`, so `Swclone.run`, `cleanShell` and `TemporaryUser.run`;
/// `EnterTarget`; the terminal driver's program) gets `SWCLONE_TEST_MARK=<uuid>`
/// in its environment and hands it on to what it starts. Tests run in
/// parallel; the mark tells which test a process belongs to.
///
/// A program run with `--clear-env` or `--whitelist-env` does not get the mark
/// (swclone drops it like any other variable the caller did not keep), so
/// those tests still see exactly the environment they ask for.
enum ProcessMark {
    static let variable = "SWCLONE_TEST_MARK"

    /// Set by `.noLeftoverProcesses` for the test it wraps; nil outside one.
    @TaskLocal static var current: String?

    /// `environment` with the running test's mark added (unchanged outside a marked test).
    static func marking(_ environment: [String: String]) -> [String: String] {
        guard let current else { return environment }
        var marked = environment
        marked[variable] = current
        return marked
    }

    /// The processes whose environment carries `mark`, with their command lines.
    static func processes(marked mark: String) -> [(pid: pid_t, cmdline: String)] {
        let entry = Array("\(variable)=\(mark)".utf8)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> (pid_t, String)? in
            guard let pid = pid_t(name), pid != getpid(),
                let environ = readProcFile("/proc/\(pid)/environ"),
                environ.split(separator: 0).contains(where: { $0.elementsEqual(entry) })
            else { return nil }
            let cmdline =
                readProcFile("/proc/\(pid)/cmdline").map { bytes in
                    bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
                } ?? "?"
            return (pid, cmdline)
        }
    }

    /// A /proc file's bytes (st_size says 0 there: read until end of file); nil when it cannot be read.
    /// A zombie's environ reads empty: it holds no memory and runs nothing.
    static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
        }
    }
}

/// After each test, no process the test started may be left: the trait marks
/// the test (`ProcessMark`), and once the test has ended it waits up to
/// `grace` for the test's processes to be gone. Each one still there fails
/// the test (its PID and command line are shown) and is killed with SIGKILL.
/// A leftover is the test's to fix: a test ends what it started.
struct NoLeftoverProcessesTrait: TestTrait, SuiteTrait, TestScoping {
    var grace: Duration = .seconds(2)

    /// On a suite: each test (each case of a parameterized one) gets its own mark.
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let mark = UUID().uuidString
        var failure: (any Error)?
        do {
            try await ProcessMark.$current.withValue(mark) { try await function() }
        } catch {
            failure = error
        }
        await checkNothingIsLeft(mark, test: test)
        if let failure { throw failure }
    }

    func checkNothingIsLeft(_ mark: String, test: Test) async {
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        var left = ProcessMark.processes(marked: mark)
        while !left.isEmpty && clock.now < deadline {
            // A cancelled test (time limit) cannot sleep: wait without the task.
            do { try await Task.sleep(for: .milliseconds(50)) } catch { usleep(50_000) }
            left = ProcessMark.processes(marked: mark)
        }
        for process in left {
            Issue.record(
                "a process the test started is still running: PID \(process.pid), \(process.cmdline)",
                sourceLocation: test.sourceLocation)
            kill(process.pid, SIGKILL)
        }
        // Gone (or a zombie) before the next test looks at the machine.
        if left.isEmpty { return }
        for _ in 0..<100 {
            if ProcessMark.processes(marked: mark).isEmpty { break }
            usleep(10_000)
        }
    }
}

extension Trait where Self == NoLeftoverProcessesTrait {
    /// Fails a test that leaves a process it started running; see `NoLeftoverProcessesTrait`.
    static var noLeftoverProcesses: Self { Self() }
}
