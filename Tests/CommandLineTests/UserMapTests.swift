import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// The --map-* and --setgroups options: every form util-linux accepts, the maps they
/// resolve to (with /etc/subuid and /proc/self/uid_map given by the test), and bad input.
struct UserMapTests {
    /// A caller with UID 1000 and GID 1001, named alice, with these files.
    static func sources(_ files: [String: String] = [:], uid: uid_t = 1000, gid: gid_t = 1001) -> IDSources {
        IDSources(
            uid: uid, gid: gid, userName: { "alice" },
            readFile: { path in
                guard let text = files[path] else { throw FileError(code: ENOENT) }
                return text
            })
    }
    static let subids = [
        "/etc/subuid": "bob:200000:65536\nalice:100000:65536\nalice:500000:10\n",
        "/etc/subgid": "1000:300000:1000\n",
    ]

    func request(_ args: [String]) throws -> UserMapRequest {
        try UserOptions.mapRequest(try scanLaunch(args + ["true"]))
    }

    func resolve(_ args: [String], files: [String: String] = subids, uid: uid_t = 1000) throws -> UserNamespaceSetup {
        try request(args).resolve(Self.sources(files, uid: uid))
    }

    func spec(_ args: [String]) throws -> LaunchSpec {
        let parsed = try scanLaunch(args + ["true"])
        return try LaunchOptions.makeSpec(parsed, caller: CallerEnvironment(["PATH=/usr/bin:/bin"]))
    }

    func lines(_ map: [IDMapEntry]) -> [String] { map.map { "\($0.inner) \($0.outer) \($0.count)" } }

    func expectUsage(_ args: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectError(args, status: 64, fragment, sourceLocation: sourceLocation)
    }

    func expectError(
        _ args: [String], status: Int32, _ fragment: String, files: [String: String] = subids,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let setup = try resolve(args, files: files)
            Issue.record("\(args) resolved to \(setup)", sourceLocation: sourceLocation)
        } catch let error as SwcloneError {
            #expect(error.status == status, "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
            #expect(!error.message.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: forms

    @Test(arguments: [
        ("0:100000:65536", IDMapEntry(inner: 0, outer: 100000, count: 65536)),
        ("100000,0,65536", IDMapEntry(inner: 0, outer: 100000, count: 65536)),
        ("4294967294:0:1", IDMapEntry(inner: 4_294_967_294, outer: 0, count: 1)),
    ])
    func rangeForms(text: String, entry: IDMapEntry) throws {
        #expect(try IDRangeRequest(text, option: "--map-users") == .range(entry))
    }

    @Test func namedForms() throws {
        #expect(try IDRangeRequest("auto", option: "--map-users") == .auto)
        #expect(try IDRangeRequest("subids", option: "--map-users") == .subids)
        #expect(try IDRangeRequest("all", option: "--map-users") == .all)
    }

    @Test(arguments: [
        "1,2", "1:2", "", "a:b:c", "1:2:3:4", "1,2,3,4", "-1:2:3", "+1:2:3", " 1:2:3", "1:2:3 ",
        "1:2,3", "4294967296:0:1", "0x10:0:1", "AUTO", "1::3",
    ])
    func malformedRanges(text: String) {
        #expect(
            throws: SwcloneError.usage(
                "--map-groups '\(text)': expected INNER:OUTER:COUNT, OUTER,INNER,COUNT, auto, subids or all")
        ) {
            try IDRangeRequest(text, option: "--map-groups")
        }
    }

    @Test func mapRootUser() throws {
        let s = try resolve(["-r"])
        #expect(lines(s.uidMap) == ["0 1000 1"] && lines(s.gidMap) == ["0 1001 1"] && s.denySetgroups == true)
        #expect(s.uidMapText == "0 1000 1\n" && s.setgroupsText == "deny")
    }

    @Test func mapCurrentUser() throws {
        let r = try request(["--map-current-user"])
        #expect(r.user == SingleMapping(geteuid(), option: "--map-current-user"))
        #expect(r.group == SingleMapping(getegid(), option: "--map-current-user"))
        #expect(r.impliesDeny)
    }

    @Test func mapUserAloneMapsNoGroup() throws {
        let s = try resolve(["--map-user=1234"])
        #expect(lines(s.uidMap) == ["1234 1000 1"] && s.gidMap.isEmpty && s.denySetgroups == nil)
    }

    @Test func mapGroupImpliesDeny() throws {
        let s = try resolve(["--map-group=1235"])
        #expect(s.uidMap.isEmpty && lines(s.gidMap) == ["1235 1001 1"] && s.denySetgroups == true)
    }

    @Test func namesComeFromTheDatabases() throws {
        let r = try request(["--map-user=nobody", "--map-group=root"])
        #expect(r.user?.id == 65534 && r.group?.id == 0)
    }

    @Test func specificMappingsWinOverMapRootUser() throws {
        let s = try resolve(["-r", "--map-user=5"])
        #expect(lines(s.uidMap) == ["5 1000 1"] && lines(s.gidMap) == ["0 1001 1"])
    }

    @Test func rangesRepeatAndKeepTheirOrder() throws {
        let s = try resolve(["--map-users=0:100000:10", "--map-users", "20,10,5", "--map-groups=7:300000:1"])
        #expect(lines(s.uidMap) == ["0 100000 10", "10 20 5"] && lines(s.gidMap) == ["7 300000 1"])
        #expect(s.denySetgroups == nil)
    }

    @Test func autoIsTheFirstBlockFromZero() throws {
        let s = try resolve(["--map-users=auto", "--map-groups=auto"])
        #expect(lines(s.uidMap) == ["0 100000 65536"])
        // /etc/subgid names the user by number.
        #expect(lines(s.gidMap) == ["0 300000 1000"])
    }

    @Test func subidsMapsTheBlockToItself() throws {
        let s = try resolve(["--map-subids"])
        #expect(lines(s.uidMap) == ["100000 100000 65536"] && lines(s.gidMap) == ["300000 300000 1000"])
    }

    @Test func mapAutoIsBothAutos() throws {
        #expect(try resolve(["--map-auto"]) == resolve(["--map-users=auto", "--map-groups=auto"]))
    }

    @Test func allCopiesTheCallersMap() throws {
        var files = Self.subids
        files["/proc/self/uid_map"] = "         0       1000          1\n         1     100000      65536\n"
        files["/proc/self/gid_map"] = "         0          0 4294967295\n"
        let s = try resolve(["--map-users=all", "--map-groups=all"], files: files)
        #expect(lines(s.uidMap) == ["0 0 1", "1 1 65536"] && lines(s.gidMap) == ["0 0 4294967295"])
    }

    // MARK: single mapping merged into ranges, as util-linux does

    @Test func autoMakesRoomForRoot() throws {
        // rootless-container shape: root is the caller, 1..65536 the whole subordinate block
        let s = try resolve(["--map-auto", "-r"])
        #expect(lines(s.uidMap) == ["0 1000 1", "1 100000 65536"])
        #expect(lines(s.gidMap) == ["0 1001 1", "1 300000 1000"])
        #expect(s.denySetgroups == nil)
    }

    @Test func autoMakesRoomForTheCurrentUser() throws {
        let r = try request(["--map-users=auto"])
        var withUser = r
        withUser.user = SingleMapping(1000, option: "--map-current-user")
        let s = try withUser.resolve(Self.sources(Self.subids))
        #expect(lines(s.uidMap) == ["1000 1000 1", "0 100000 1000", "1001 101000 64536"])
    }

    @Test func explicitRangeLosesItsTopID() throws {
        let s = try resolve(["--map-users=0:100000:65536", "-r"])
        #expect(lines(s.uidMap) == ["0 1000 1", "1 100000 65535"])
    }

    @Test func rangeHoldingTheCallersOutsideID() throws {
        let s = try resolve(["--map-users=5000:990:20", "--map-user=0"])
        // outside IDs skip 1000: 990..999, then 1001..1009
        #expect(lines(s.uidMap) == ["0 1000 1", "5000 990 10", "5010 1001 9"])
    }

    @Test func allWithRootAsRoot() throws {
        var files = Self.subids
        files["/proc/self/uid_map"] = "0 0 4294967295\n"
        let s = try resolve(["--map-users=all", "-r"], files: files, uid: 0)
        #expect(lines(s.uidMap) == ["0 0 1", "1 1 4294967294"])
    }

    @Test func rangeElsewhereIsUntouched() throws {
        let s = try resolve(["--map-users=10:100000:5", "--map-user=0"])
        #expect(lines(s.uidMap) == ["0 1000 1", "10 100000 5"])
    }

    @Test func singleIDRangeSwallowedWhole() throws {
        let s = try resolve(["--map-users=0:5:1", "-r"])
        #expect(lines(s.uidMap) == ["0 1000 1"])
    }

    // MARK: setgroups

    @Test func setgroupsChoices() throws {
        #expect(try resolve(["--user", "--setgroups", "allow"]).setgroupsText == "allow")
        #expect(try resolve(["--map-user=0", "--setgroups=allow"]).setgroupsText == "allow")
        #expect(try resolve(["-r", "--setgroups=deny"]).setgroupsText == "deny")
        // Group ranges are written by newgidmap or with privilege: nothing implies deny.
        #expect(try resolve(["--map-auto", "-r", "--setgroups=allow"]).setgroupsText == "allow")
    }

    @Test(arguments: [(["-r"], "--map-root-user"), (["-c"], "--map-current-user"), (["--map-group=5"], "--map-group")])
    func setgroupsAllowConflicts(args: [String], option: String) {
        expectUsage(args + ["--setgroups", "allow"], "--setgroups allow: conflicts with \(option)")
    }

    @Test func setgroupsNeedsAUserNamespace() throws {
        #expect(throws: SwcloneError.usage("--setgroups deny: there is no new user namespace (add --user)")) {
            try spec(["--setgroups", "deny"])
        }
        #expect(try spec(["--user", "--setgroups", "deny"]).userNamespace?.denySetgroups == true)
    }

    @Test func badSetgroupsValue() {
        #expect(throws: SwcloneError.usage("--setgroups: 'maybe' is not one of allow, deny")) {
            try spec(["--user", "--setgroups", "maybe"])
        }
    }

    // MARK: implications

    @Test(arguments: [
        ["-r"], ["-c"], ["--map-user=0"], ["--map-group=0"], ["--map-users=0:0:1"],
        ["--map-groups=0:0:1"],
    ])
    func mapOptionsImplyUser(args: [String]) throws {
        let s = try spec(args)
        #expect(s.namespaces == [.user] && s.userNamespace != nil)
    }

    @Test func noMapOptionNoSetup() throws {
        let s = try spec(["--user"])
        #expect(s.namespaces == [.user] && s.userNamespace == nil)
    }

    // MARK: bad input

    @Test func unknownNames() {
        expectUsage(["--map-user=swclone-no-such-user"], "swclone-no-such-user")
        expectUsage(["--map-group=swclone-no-such-group"], "swclone-no-such-group")
    }

    @Test func rootAndCurrentConflict() {
        expectUsage(["-r", "-c"], "--map-root-user and --map-current-user")
    }

    @Test func zeroLength() {
        expectUsage(["--map-users=0:100000:0"], "--map-users 0:100000:0: a range maps at least one ID")
    }

    @Test(arguments: ["4294967295:0:1", "0:4294967295:1", "4294967290:0:6", "0,4294967290,6", "1:1:4294967295"])
    func overflowing(text: String) {
        expectUsage(["--map-users=\(text)"], "--map-users \(text): the range runs past the last ID, 4294967294")
    }

    @Test func overlappingInside() {
        expectUsage(
            ["--map-users=0:100000:10", "--map-users=9:200000:10"],
            "--map-users 9:200000:10: its inside IDs overlap --map-users 0:100000:10")
    }

    @Test func overlappingOutside() {
        expectUsage(
            ["--map-groups=0:100000:10", "--map-groups=100:100009:1"],
            "--map-groups 100:100009:1: its outside IDs overlap --map-groups 0:100000:10")
    }

    @Test func overlapFarApartOnTheCommandLine() {
        expectUsage(
            ["--map-users=0:100:10", "--map-users=50:200:10", "--map-users=5:300:1"],
            "--map-users 5:300:1: its inside IDs overlap --map-users 0:100:10")
    }

    @Test func overlappingBlocks() {
        // --map-auto and --map-subids both take the same /etc/subuid block.
        expectUsage(["--map-auto", "--map-subids"], "its outside IDs overlap --map-auto")
    }

    @Test func adjacentRangesDoNotOverlap() throws {
        let s = try resolve(["--map-users=0:100:10", "--map-users=10:110:10"])
        #expect(s.uidMap.count == 2)
    }

    @Test func tooManyLines() throws {
        let ok = (0..<340).map { "--map-users=\($0):\(400 + $0):1" }
        #expect(try resolve(ok).uidMap.count == 340)
        let many = (0..<341).map { "--map-users=\($0):\(400 + $0):1" }
        expectUsage(many, "--map-users: 341 ranges; the kernel takes at most 340 per map")
        let huge = (0..<20000).map { "--map-users=\($0):\(40000 + $0):1" }
        expectUsage(huge, "--map-users: 20000 ranges")
    }

    @Test func tooManyBytes() {
        // 200 lines of "4000000000 4000000000 1\n" are 4800 bytes.
        let long = (0..<200).map { "--map-groups=\(4_000_000_000 + $0 * 2):\(4_000_000_000 + $0 * 2):1" }
        expectUsage(long, "--map-groups: the map has 4800 bytes; the kernel takes at most 4095")
    }

    @Test func missingSubordinateEntry() {
        expectError(
            ["--map-auto"], status: 125, "--map-auto: no entry for user alice (1000) in /etc/subuid",
            files: ["/etc/subuid": "bob:1:2\n", "/etc/subgid": ""])
        expectError(
            ["--map-groups=subids"], status: 125, "--map-groups subids: no entry for user alice (1000) in /etc/subgid",
            files: ["/etc/subgid": "alice 100000 65536\n"])
    }

    @Test func missingSubordinateFile() {
        expectError(
            ["--map-users=auto"], status: 125,
            "--map-users auto: cannot read /etc/subuid: No such file or directory (ENOENT)", files: [:])
    }

    @Test func subordinateLinesThatDoNotParseAreSkipped() {
        let text = "# comment\nalice:x:5\nalice:100:\nalice:7:8\n"
        #expect(firstSubordinateBlock(in: text, userName: "alice", uid: 1) == SubordinateBlock(start: 7, count: 8))
        #expect(firstSubordinateBlock(in: "1:7:8\n", userName: nil, uid: 1) == SubordinateBlock(start: 7, count: 8))
        #expect(firstSubordinateBlock(in: "alice:7:8\n", userName: nil, uid: 1) == nil)
    }

    // MARK: who writes the maps

    @Test func unprivilegedCallerWritesOnlyItsOwnID() throws {
        let own = try resolve(["-r"])
        #expect(own.writers(uid: 1000, gid: 1001, canSetUID: false, canSetGID: false) == MapWriters(uid: .caller, gid: .caller))
        #expect(own.writableBySelf(uid: 1000, gid: 1001))
        let ranges = try resolve(["--map-auto", "-r"])
        #expect(ranges.writers(uid: 1000, gid: 1001, canSetUID: false, canSetGID: false) == MapWriters(uid: .helper, gid: .helper))
        #expect(!ranges.writableBySelf(uid: 1000, gid: 1001))
        // Someone else's single ID needs the helper too.
        let other = try resolve(["--map-users=0:5:1"])
        #expect(other.writers(uid: 1000, gid: 1001, canSetUID: false, canSetGID: false) == MapWriters(uid: .helper, gid: nil))
    }

    @Test func ownGroupNeedsSetgroupsDenied() throws {
        let allowed = try resolve(["--map-groups=0:1001:1"])
        #expect(allowed.writers(uid: 1000, gid: 1001, canSetUID: false, canSetGID: false).gid == .helper)
        let denied = try resolve(["--map-groups=0:1001:1", "--user", "--setgroups=deny"])
        #expect(denied.writers(uid: 1000, gid: 1001, canSetUID: false, canSetGID: false).gid == .caller)
    }

    @Test func privilegedCallerWritesAnyMapButNotForItselfInPlace() throws {
        let s = try resolve(["--map-users=0:100000:65536", "--map-groups=0:100000:65536"], uid: 0)
        #expect(s.writers(uid: 0, gid: 0, canSetUID: true, canSetGID: true) == MapWriters(uid: .caller, gid: .caller))
        #expect(!s.writers(uid: 0, gid: 0, canSetUID: true, canSetGID: true).needsHelper)
        #expect(!s.writableBySelf(uid: 0, gid: 0))
        #expect(try resolve(["-r"], uid: 0).writableBySelf(uid: 0, gid: 1001))
    }
}

/// unshare's --owner UID:GID.
struct OwnerOptionTests {
    @Test func ownerImpliesUser() throws {
        let s = try launchSpec(["--owner", "1000:1001", "-r", "true"])
        #expect(s.owner == NamespaceOwner(uid: 1000, gid: 1001) && s.namespaces.contains(.user))
        #expect(try launchSpec(["--owner=0:0", "true"]).namespaces == [.user])
    }

    @Test(arguments: ["1000", "1000:", ":1000", "a:b", "1000:1000:1", "-1:0", "4294967295:0", " 1:2"])
    func notUIDAndGID(text: String) {
        #expect(usageError { try launchSpec(["--owner", text, "true"]) }?.message == "--owner \(text): not UID:GID (two numbers)")
    }
}
