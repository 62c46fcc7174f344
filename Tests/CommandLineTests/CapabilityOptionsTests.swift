import LaunchSpec
import Testing

@testable import SwcloneCLI

/// Capability names (libcap, the running kernel) and how --cap-drop,
/// --cap-add and --keep-caps resolve into the sets a program gets.
struct CapabilityOptionsTests {
    func spec(_ args: [String]) throws -> LaunchSpec {
        let parsed = try scanLaunch(args + ["true"])
        return try LaunchOptions.makeSpec(parsed, caller: CallerEnvironment(["PATH=/usr/bin:/bin"]))
    }

    @Test(arguments: ["cap_net_raw", "CAP_NET_RAW", "net_raw", "Net_Raw", "cAp_NeT_rAw"])
    func namesInAnyCaseWithOrWithoutPrefix(_ name: String) {
        #expect(capabilityNumber(name) == 13)
    }

    @Test(arguments: ["", "bogus", "cap_", "12", "cap_12", "all", "net raw", "cap_net_raw,"])
    func unknownNames(_ name: String) {
        #expect(capabilityNumber(name) == nil)
    }

    @Test func namesRoundTrip() {
        for n in 0..<min(knownCapabilityCount(), 41) {
            #expect(capabilityNumber(capabilityName(n)) == n)
        }
    }

    @Test func repeatedAndCommaListsAddUp() throws {
        let s = try spec(["--cap-drop", "NET_RAW,cap_sys_time", "--cap-drop=chown", "--cap-add", "net_admin"])
        #expect(s.capabilities == CapabilityRequest(drop: CapabilitySet([13, 25, 0]), add: CapabilitySet([12])))
    }

    @Test func dropAllIsEveryCapabilityTheKernelKnows() throws {
        let s = try spec(["--cap-drop", "all"])
        #expect(s.capabilities?.drop == .all(count: knownCapabilityCount()))
        #expect(CapabilitySet.all(count: 41).rawValue == 0x1ff_ffff_ffff)
        #expect(CapabilitySet.all(count: 64).rawValue == .max)
    }

    @Test(arguments: [
        (["--cap-drop", "cap_conf_bogus"], "--cap-drop cap_conf_bogus: unknown capability"),
        (["--cap-add", "net_admin,bogus_cap"], "--cap-add bogus_cap: unknown capability"),
        (["--cap-drop", "net_raw,"], "--cap-drop 'net_raw,': an empty capability name"),
    ])
    func badNameIsAUsageErrorNamingIt(_ args: [String], message: String) throws {
        let error = try #require(throws: SwcloneError.self) { try spec(args) }
        #expect(error.status == ExitStatus.usage)
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test func addAllIsRefused() throws {
        let error = try #require(throws: SwcloneError.self) { try spec(["--cap-add", "all"]) }
        #expect(error.status == ExitStatus.usage)
    }

    @Test(arguments: ["--cap-drop", "--cap-add"])
    func helpListsTheKernelsNames(_ option: String) throws {
        let answer = try #require(throws: Answer.self) { try spec([option, "help"]) }
        let names = answer.text.split(separator: "\n").map(String.init)
        #expect(names.count == knownCapabilityCount())
        #expect(names.first == "cap_chown" && names.contains("cap_net_raw"))
    }

    @Test func noCapabilityOptionLeavesTheSetsAlone() throws {
        let s = try spec([])
        #expect(s.capabilities == nil && !s.noNewPrivileges && !s.newSession)
    }

    @Test func keepCapsNoNewPrivsNewSession() throws {
        let s = try spec(["--keep-caps", "--no-new-privs", "--new-session"])
        #expect(s.capabilities == CapabilityRequest(keepAll: true))
        #expect(s.noNewPrivileges && s.newSession)
    }

    // MARK: resolving against what the process holds

    let held = CapabilitySet([0, 12, 13, 21])

    @Test func dropRemovesFromEverySetAndInheritableStaysEmpty() throws {
        let r = try CapabilityRequest(drop: CapabilitySet([13])).resolve(held: held)
        #expect(r == ResolvedCapabilities(kept: CapabilitySet([0, 12, 21]), inheritable: []))
    }

    @Test func addsWinOverDropsAndAreInheritable() throws {
        let r = try CapabilityRequest(drop: .all(count: 41), add: CapabilitySet([12])).resolve(held: held)
        #expect(r == ResolvedCapabilities(kept: CapabilitySet([12]), inheritable: CapabilitySet([12])))
        let same = try CapabilityRequest(drop: CapabilitySet([12]), add: CapabilitySet([12])).resolve(held: held)
        #expect(same.kept == held && same.inheritable == CapabilitySet([12]))
    }

    @Test func keepCapsMakesEverythingKeptInheritable() throws {
        let r = try CapabilityRequest(drop: CapabilitySet([21]), keepAll: true).resolve(held: held)
        #expect(r == ResolvedCapabilities(kept: CapabilitySet([0, 12, 13]), inheritable: CapabilitySet([0, 12, 13])))
    }

    @Test func nothingIsGained() throws {
        let error = try #require(throws: SwcloneError.self) {
            try CapabilityRequest(add: CapabilitySet([12, 24])).resolve(held: held)
        }
        #expect(error.status == ExitStatus.setupFailed)
        #expect(error.message.hasPrefix("--cap-add cap_sys_resource:"), "\(error.message)")
    }
}
