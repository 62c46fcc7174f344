import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// --set-tid, --into-cgroup and --json-status: what the command line alone
/// can check (the plan checks --set-tid against the system: LaunchPlanTests).
struct Clone3OptionTests {
    @Test func setTIDIsTheKernelsArrayInnermostFirst() throws {
        #expect(try parseSetTID("4242", newPIDNamespace: false) == [4242])
        #expect(try parseSetTID("1,77,4242", newPIDNamespace: true) == [1, 77, 4242])
        #expect(try launchSpec(["--pid", "--set-tid", "1,4242", "true"]).setTID == [1, 4242])
    }

    @Test(arguments: [
        ("12x", "'12x' is not a PID"), ("1,,2", "'' is not a PID"), ("", "'' is not a PID"),
        ("0", "PID 0 is out of range"), ("-3", "PID -3 is out of range"),
    ])
    func badSetTIDIsAUsageErrorNamingTheValue(text: String, fragment: String) {
        let message = usageError { try parseSetTID(text, newPIDNamespace: false) }?.message
        #expect(message?.hasPrefix("--set-tid \(text): ") == true, "\(message ?? "no usage error")")
        #expect(message?.contains(fragment) == true, "\(message ?? "no usage error")")
    }

    @Test func atMost32Entries() {
        let text = (1...33).map(String.init).joined(separator: ",")
        #expect(usageError { try parseSetTID(text, newPIDNamespace: false) }?.message.contains("at most 32") == true)
    }

    @Test func aNewPIDNamespaceWantsPIDOneFirst() {
        #expect(usageError { try launchSpec(["--pid", "--set-tid", "5,4242", "true"]) }?.message.contains("must be 1") == true)
    }

    @Test func cgroupAndStatus() throws {
        #expect(try launchSpec(["--into-cgroup", "/sys/fs/cgroup/x", "true"]).intoCgroup == "/sys/fs/cgroup/x")
        #expect(try launchSpec(["--json-status", "-", "true"]).jsonStatusFD == STDOUT_FILENO)
        #expect(try launchSpec(["--json-status=2", "true"]).jsonStatusFD == 2)
    }

    @Test(arguments: [["--json-status", "x"], ["--json-status", "-1"], ["--json-status", "987"], ["--into-cgroup="]])
    func badStatusOrCgroupIsAUsageError(args: [String]) {
        #expect(usageError { try launchSpec(args + ["true"]) } != nil)
    }
}
