import Foundation
import Testing

/// The capability options, checked against the Cap* lines of the program's
/// /proc/self/status and `capsh --decode`: as root, with -S, and as an
/// unprivileged user inside a new user namespace.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct CapabilityTests {
    /// Every capability the running kernel knows.
    static let known: UInt64 = {
        let last =
            (try? String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 40
        return last >= 63 ? .max : (1 << UInt64(last + 1)) - 1
    }()
    /// What this test process (root) holds, which a program started by it may keep.
    static let held = capSets(try! String(contentsOfFile: "/proc/self/status", encoding: .utf8))["CapPrm"]!

    static let netBindService: UInt64 = 1 << 10, netAdmin: UInt64 = 1 << 12, netRaw: UInt64 = 1 << 13
    static let sysChroot: UInt64 = 1 << 18, sysTime: UInt64 = 1 << 25

    /// CapInh, CapPrm, CapEff, CapBnd, CapAmb of a /proc/PID/status text.
    static func capSets(_ status: String) -> [String: UInt64] {
        var sets: [String: UInt64] = [:]
        for line in status.split(separator: "\n") where line.hasPrefix("Cap") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == "\t" || $0 == " " })
            if parts.count == 2 { sets[String(parts[0])] = UInt64(parts[1], radix: 16) }
        }
        return sets
    }

    /// The program's sets, after checking that swclone ran it.
    func sets(_ args: [String], asUser user: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: UInt64] {
        let r = try Swclone.run(args + ["--", "cat", "/proc/self/status"], asUser: user)
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        return Self.capSets(r.stdout)
    }

    func expectSets(
        _ s: [String: UInt64], permitted: UInt64, inheritable: UInt64, bounding: UInt64, ambient: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        func hex(_ v: UInt64?) -> String { v.map { String($0, radix: 16) } ?? "missing" }
        let want = ["CapPrm": permitted, "CapEff": permitted, "CapInh": inheritable, "CapBnd": bounding, "CapAmb": ambient]
        for (name, value) in want {
            #expect(s[name] == value, "\(name) \(hex(s[name])), expected \(hex(value))", sourceLocation: sourceLocation)
        }
    }

    /// `capsh --decode` of a mask: the libcap names, comma-separated.
    func decode(_ mask: UInt64) throws -> String {
        let capsh = ["/usr/sbin/capsh", "/sbin/capsh", "/usr/bin/capsh"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let r = try runProgram(try #require(capsh, "capsh (libcap2-bin) is not installed"), ["--decode=\(String(mask, radix: 16))"])
        return String(r.stdout.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: as root

    @Test func dropAllEmptiesEverySet() throws {
        let s = try sets(["--cap-drop", "all"])
        expectSets(s, permitted: 0, inheritable: 0, bounding: 0, ambient: 0)
    }

    @Test func dropSomeInPlace() throws {
        let s = try sets(["--cap-drop", "NET_RAW,cap_sys_time"])
        let kept = Self.held & ~(Self.netRaw | Self.sysTime)
        expectSets(s, permitted: kept, inheritable: 0, bounding: kept, ambient: 0)
        #expect(try !decode(s["CapBnd"] ?? 0).contains("cap_net_raw"))
    }

    @Test func dropAllAddSomeForRoot() throws {
        let s = try sets(["--fork", "--cap-drop", "all", "--cap-add", "net_admin", "--cap-add", "Sys_Chroot"])
        let want = Self.netAdmin | Self.sysChroot
        // UID 0 gets its sets from the bounding set at exec: no ambient needed.
        expectSets(s, permitted: want, inheritable: want, bounding: want, ambient: 0)
        #expect(try decode(s["CapEff"] ?? 0) == "cap_net_admin,cap_sys_chroot")
    }

    @Test func droppedCapabilityIsReallyGone() throws {
        let r = try Swclone.run(["--mount", "--cap-drop", "sys_admin", "--", "mount", "-t", "tmpfs", "none", "/mnt"])
        #expect(r.status != 0, "mount worked without CAP_SYS_ADMIN")
    }

    // MARK: with -S

    @Test func addedCapabilitiesAreAmbientForAnotherUser() throws {
        let r = try Swclone.run([
            "--fork", "--cap-drop", "all", "--cap-add", "net_bind_service", "-S", "65534", "-G", "65534",
            "--", "cat", "/proc/self/status",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let s = Self.capSets(r.stdout)
        expectSets(
            s, permitted: Self.netBindService, inheritable: Self.netBindService, bounding: Self.netBindService,
            ambient: Self.netBindService)
        #expect(try decode(s["CapAmb"] ?? 0) == "cap_net_bind_service")
        #expect(r.stdout.contains("Uid:\t65534\t65534\t65534\t65534"))
        // No supplementary group survives the identity change.
        let groups = r.stdout.split(separator: "\n").first { $0.hasPrefix("Groups:") }
        #expect(groups?.dropFirst("Groups:".count).allSatisfy(\.isWhitespace) == true, "\(groups ?? "no Groups line")")
    }

    @Test func dropOnlyLeavesAnotherUserNothingButTheBoundingSet() throws {
        let s = try sets(["--cap-drop", "net_raw", "-S", "65534", "-G", "65534"])
        expectSets(s, permitted: 0, inheritable: 0, bounding: Self.held & ~Self.netRaw, ambient: 0)
    }

    @Test func keepCapsWithSetuidKeepsEverything() throws {
        let s = try sets(["--keep-caps", "--cap-drop", "sys_time", "-S", "65534", "-G", "65534"])
        let kept = Self.held & ~Self.sysTime
        expectSets(s, permitted: kept, inheritable: kept, bounding: kept, ambient: kept)
    }

    // MARK: unprivileged, in a new user namespace

    @Test func unprivilegedInUserNamespace() throws {
        let s = try sets(["--user", "--map-root-user", "--cap-drop", "all", "--cap-add", "net_admin"], asUser: "65534")
        expectSets(s, permitted: Self.netAdmin, inheritable: Self.netAdmin, bounding: Self.netAdmin, ambient: 0)
    }

    @Test func unprivilegedDropInUserNamespace() throws {
        let s = try sets(["--user", "--map-root-user", "--fork", "--cap-drop", "net_raw"], asUser: "65534")
        expectSets(s, permitted: Self.known & ~Self.netRaw, inheritable: 0, bounding: Self.known & ~Self.netRaw, ambient: 0)
    }

    /// Unmapped, the program is not UID 0 in the namespace: only ambient keeps what the namespace grants.
    @Test func keepCapsForAnUnmappedUser() throws {
        let s = try sets(["--user", "--keep-caps"], asUser: "65534")
        expectSets(s, permitted: Self.known, inheritable: Self.known, bounding: Self.known, ambient: Self.known)
        let without = try sets(["--user"], asUser: "65534")
        #expect(without["CapEff"] == 0)
    }

    @Test func unprivilegedCannotGain() throws {
        let r = try Swclone.run(["--cap-add", "net_admin", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "--cap-add cap_net_admin")
    }

    @Test func unprivilegedCannotShrinkTheBoundingSetOutsideAUserNamespace() throws {
        let r = try Swclone.run(["--cap-drop", "all", "--", "true"], asUser: "65534")
        expectOneErrorLine(r, status: 125, containing: "bounding set")
    }

    // MARK: names, privileges

    @Test func unknownNameIsAUsageErrorBeforeAnyStep() throws {
        let r = try Swclone.run(["--pid", "--mount-proc", "--cap-drop", "net_raw,cap_conf_bogus", "--", "true"])
        expectOneErrorLine(r, status: 64, containing: "cap_conf_bogus")
    }

    @Test func helpListsTheNamesTheKernelKnows() throws {
        let r = try Swclone.run(["--cap-drop", "help"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        #expect(UInt64(r.lines.count) == UInt64(Self.known.nonzeroBitCount))
        #expect(r.lines.contains("cap_net_raw") && r.lines.contains("cap_sys_admin"))
    }

    @Test func noNewPrivs() throws {
        let r = try Swclone.run(["--no-new-privs", "--", "grep", "NoNewPrivs", "/proc/self/status"])
        #expect(r.status == 0 && r.stdout == "NoNewPrivs:\t1\n", "\(r.stdout) \(r.stderr)")
    }

    @Test func newSession() throws {
        let script = #"read -r a b c d e sid rest </proc/self/stat; [ "$sid" = "$$" ] && echo leader"#
        let r = try Swclone.run(["--fork", "--new-session", "--", "sh", "-c", script])
        #expect(r.status == 0 && r.stdout == "leader\n", "\(r.stderr)")
    }

    /// swclone is not a privileged helper: a set-user-ID copy refuses to run.
    @Test func refusesToRunSetUserID() throws {
        let dir = "/tmp/swclone-setuid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let copy = dir + "/swclone"
        try copyFile(Swclone.path, to: copy, mode: 0o4755)
        let r = try runFreshlyWritten("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "--", "id", "-u"])
        #expect(r.status == 125 && r.stdout.isEmpty)
        expectOneErrorLine(r, containing: "set-user-ID")
    }
}
