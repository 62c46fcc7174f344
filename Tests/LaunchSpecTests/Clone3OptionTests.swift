import Glibc
import LaunchSpec
import Testing
@testable import SwcloneCLI

/// --set-tid, --into-cgroup and --json-status: what is checked before clone3.
struct Clone3OptionTests {
    let root = PIDNamespaceLevels(visible: 1, exact: true)

    func spec(_ args: [String]) throws -> LaunchSpec {
        let parsed = try #require(parseOptions(args, shapes: LaunchCommand.shapes))
        return try LaunchCommand.makeSpec(parsed, callerEnvironment: ["PATH=/usr/bin:/bin"])
    }

    func usageError(_ body: () throws -> Any) -> String? {
        do { _ = try body() } catch let e as SwcloneError where e.status == ExitStatus.usage { return e.message } catch {}
        return nil
    }

    @Test func setTIDIsTheKernelsArrayInnermostFirst() throws {
        #expect(try parseSetTID("4242", newPIDNamespace: false, pidMax: 32768, levels: root) == [4242])
        let nested = PIDNamespaceLevels(visible: 2, exact: true)
        #expect(try parseSetTID("1,77,4242", newPIDNamespace: true, pidMax: 32768, levels: nested) == [1, 77, 4242])
    }

    @Test(arguments: [
        ("12x", "'12x' is not a PID"), ("1,,2", "'' is not a PID"), ("", "'' is not a PID"),
        ("0", "PID 0 is out of range"), ("-3", "PID -3 is out of range"), ("32768", "PID 32768 is out of range"),
        ("30001,30002,30003", "3 PIDs for 1 PID namespace level"),
    ])
    func badSetTIDIsAUsageErrorNamingTheValue(text: String, fragment: String) {
        let message = usageError { try parseSetTID(text, newPIDNamespace: false, pidMax: 32768, levels: root) }
        #expect(message?.hasPrefix("--set-tid \(text): ") == true, "\(message ?? "no usage error")")
        #expect(message?.contains(fragment) == true, "\(message ?? "no usage error")")
    }

    @Test func atMost32Entries() {
        let deep = PIDNamespaceLevels(visible: 40, exact: true)
        let text = (1...33).map(String.init).joined(separator: ",")
        let message = usageError { try parseSetTID(text, newPIDNamespace: false, pidMax: 32768, levels: deep) }
        #expect(message?.contains("at most 32") == true)
    }

    @Test func aNewPIDNamespaceAddsALevelAndItsPIDIsOne() throws {
        #expect(try parseSetTID("1,500", newPIDNamespace: true, pidMax: 32768, levels: root) == [1, 500])
        #expect(usageError { try parseSetTID("5,500", newPIDNamespace: true, pidMax: 32768, levels: root) }?
            .contains("must be 1") == true)
        #expect(usageError { try parseSetTID("1,2,3", newPIDNamespace: true, pidMax: 32768, levels: root) } != nil)
    }

    /// A /proc of an inner PID namespace hides outer levels: the kernel decides then.
    @Test func levelsUnknownAreLeftToTheKernel() throws {
        let hidden = PIDNamespaceLevels(visible: 1, exact: false)
        #expect(try parseSetTID("1,2,3", newPIDNamespace: true, pidMax: 32768, levels: hidden) == [1, 2, 3])
        #expect(try parseSetTID("5,6", newPIDNamespace: false, pidMax: 32768, levels: nil) == [5, 6])
    }

    @Test func eachImpliesFork() throws {
        #expect(try spec(["--set-tid", "4242", "true"]).fork)
        #expect(try spec(["--into-cgroup", "/sys/fs/cgroup/x", "true"]).intoCgroup == "/sys/fs/cgroup/x")
        #expect(try spec(["--into-cgroup=/x", "true"]).fork)
        let status = try spec(["--json-status", "-", "true"])
        #expect(status.fork && status.jsonStatusFD == STDOUT_FILENO)
        #expect(try spec(["--json-status=2", "true"]).jsonStatusFD == 2)
    }

    @Test func setTIDWithPIDChecksTheFirstEntry() {
        #expect(usageError { try spec(["--pid", "--set-tid", "5,4242", "true"]) }?.contains("must be 1") == true)
    }

    @Test(arguments: [["--json-status", "x"], ["--json-status", "-1"], ["--json-status", "987"], ["--into-cgroup=", "true"]])
    func badStatusOrCgroupIsAUsageError(args: [String]) {
        #expect(usageError { try spec(args + ["true"]) } != nil)
    }
}
