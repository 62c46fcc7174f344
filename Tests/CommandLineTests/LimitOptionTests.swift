import LaunchSpec
import Testing

@testable import SwcloneCLI

/// --timeout, the cgroup limits, --cgroup-parent and --rlimit on the command
/// line: timeout(1)'s durations, sizes, CPUs, prlimit(1)'s names and values,
/// and the conflicts, each bad one a usage error (64) naming the option.
struct LimitOptionTests {
    @Test(arguments: [
        ("90", 90.0), ("1.5s", 1.5), ("10m", 600), ("2h", 7200), ("1d", 86400), ("0.25", 0.25), ("0", 0), (".5", 0.5),
    ])
    func durationsAsTimeout(text: String, seconds: Double) {
        #expect(parseDuration(Substring(text)) == seconds)
    }

    @Test(arguments: ["", "s", "-1", "1e3", "inf", "nan", "0x10", "1.5.5", "10x", "1 s", "m10"])
    func notDurations(text: String) {
        #expect(parseDuration(Substring(text)) == nil)
    }

    @Test func timeoutAndKillAfter() throws {
        #expect(try parseTimeout("10") == Timeout(seconds: 10, killAfter: 5, text: "10s", killAfterText: "5s"))
        #expect(try parseTimeout("10m,30s") == Timeout(seconds: 600, killAfter: 30, text: "10m", killAfterText: "30s"))
        // As timeout(1): 0 disables the timeout, and a KILL-AFTER of 0 the SIGKILL.
        #expect(try parseTimeout("0") == nil)
        #expect(try parseTimeout("1,0")?.killAfter == nil)
        let s = try launchSpec(["--timeout", "1.5", "sleep", "9"])
        #expect(s.limits?.timeout?.seconds == 1.5 && s.limits?.killsTree == true)
    }

    @Test(arguments: [
        ("48M", UInt64(48) << 20), ("2G", 2 << 30), ("1024", 1024), ("512k", 512 << 10), ("1T", 1 << 40), ("64MiB", 64 << 20),
    ])
    func sizes(text: String, bytes: UInt64) {
        #expect(parseBytes(text) == bytes)
        #expect(parseBytes(formatBytes(bytes)) == bytes)
    }

    @Test func sizesAreWrittenInTheirLargestUnit() {
        #expect(formatBytes(48 << 20) == "48M" && formatBytes(3072) == "3K" && formatBytes(1536) == "1536" && formatBytes(1000) == "1000")
    }

    @Test func cpus() {
        #expect(parseCPUs("1.5")?.quota == 150_000 && parseCPUs("0.01")?.quota == 1000 && parseCPUs("2")?.quota == 200_000)
        #expect(parseCPUs("0.001") == nil && parseCPUs("-1") == nil && parseCPUs("1,5") == nil)
    }

    /// prlimit(1)'s forms: VALUE, SOFT:HARD, SOFT:, :HARD, unlimited (or -1).
    @Test func resourceLimitsAsPrlimit() throws {
        let value = try parseResourceLimit("nofile=64")
        #expect(value.name == "nofile" && value.resource == 7 && value.soft == 64 && value.hard == 64 && value.text == "nofile=64")
        let both = try parseResourceLimit("nofile=1024:4096")
        #expect(both.soft == 1024 && both.hard == 4096)
        let soft = try parseResourceLimit("core=0:")
        #expect(soft.soft == 0 && soft.hard == nil && soft.resource == 4)
        let hard = try parseResourceLimit("as=:unlimited")
        #expect(hard.soft == nil && hard.hard == unlimitedResource && hard.resource == 9)
        #expect(try parseResourceLimit("stack=-1").soft == unlimitedResource)
        let s = try launchSpec(["--rlimit", "nofile=64", "--rlimit=core=0", "true"])
        #expect(s.limits?.resourceLimits.map(\.name) == ["nofile", "core"] && s.limits?.killsTree == false)
    }

    @Test(arguments: [
        (["--rlimit", "bogus=1"], "--rlimit bogus=1: unknown resource 'bogus'; prlimit's names are as, core, cpu,"),
        (["--rlimit", "nofile"], "--rlimit nofile: not NAME=SOFT[:HARD]"),
        (["--rlimit", "nofile=x"], "--rlimit nofile=x: 'x' is not a number or unlimited"),
        (["--rlimit", "nofile=10:5"], "--rlimit nofile=10:5: the soft limit 10 is above the hard limit 5"),
        (["--rlimit", "nofile=:"], "--rlimit nofile=:: give SOFT:HARD, SOFT: or :HARD"),
        (["--rlimit", "nofile=1k"], "--rlimit nofile=1k: '1k' is not a number or unlimited"),
        (["--timeout", "soon"], "--timeout soon: 'soon' is not a duration"),
        (["--timeout", "1,2,3"], "--timeout 1,2,3: give DURATION or DURATION,KILL-AFTER"),
        (["--memory-max", "2GB"], "--memory-max 2GB: not a size in bytes"),
        (["--memory-max", "0"], "--memory-max 0: not a size in bytes"),
        (["--pids-max", "0"], "--pids-max 0: not a number of processes from 1 to 4194304"),
        (["--pids-max", "4194305"], "--pids-max 4194305: not a number"),
        (["--cpu-max", "0"], "--cpu-max 0: not a number of CPUs"),
        (["--cgroup-parent", ""], "--cgroup-parent: the path is empty"),
        (["--cgroup-parent", "/sys/fs/cgroup/x"], "--cgroup-parent /sys/fs/cgroup/x: nothing makes a transient cgroup"),
        (["--into-cgroup", "/cg", "--pids-max", "8"], "--into-cgroup /cg and --pids-max 8: the program would start in /cg"),
        (["--into-cgroup", "/cg", "--kill-tree"], "--into-cgroup /cg and --kill-tree:"),
    ])
    func badLimitsAreUsageErrors(args: [String], message: String) {
        let error = usageError { try launchSpec(args + ["true"]) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no usage error")")
    }

    /// A PID namespace holds the tree without a cgroup, so --into-cgroup does not conflict there.
    @Test func killTreeWithIntoCgroupAndAPIDNamespace() throws {
        let s = try launchSpec(["--pid", "--into-cgroup", "/cg", "--kill-tree", "--timeout", "5", "true"])
        #expect(s.limits?.killTree == true && s.intoCgroup == "/cg")
    }

    @Test func cgroupLimitsAndTheirMessages() throws {
        let s = try launchSpec(["--memory-max", "48M", "--pids-max", "8", "--cpu-max", "1.5", "--cgroup-parent", "/cg", "true"])
        let limits = try #require(s.limits)
        #expect(limits.memoryMax == 48 << 20 && limits.pidsMax == 8 && limits.cpuMax?.quota == 150_000)
        #expect(limits.cgroupParents == ["/cg"] && limits.killsTree && limits.limitsCgroup)
        #expect(limits.cgroupOptions == "--memory-max 48M --pids-max 8 --cpu-max 1.5")
    }
}
