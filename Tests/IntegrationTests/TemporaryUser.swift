import Foundation
import Synchronization
import Testing

/// A user made for one test that exists only in private mount namespaces: the
/// host's /etc/passwd, /etc/group, /etc/subuid and /etc/subgid are never
/// written. The fixture copies them into a temporary directory and appends the
/// user's lines (a name, a UID and a GID no entry uses, a block of 65536
/// subordinate user and group IDs no entry overlaps); `run` binds the copies
/// over the originals in a new private mount namespace (util-linux unshare)
/// and runs swclone there as the user, with no capabilities (setpriv).
/// newuidmap and newgidmap read /etc/subuid and /etc/subgid by path, and
/// swclone reads /etc/passwd and /etc/subuid, so all of them see the copies.
struct TemporaryUser: Sendable {
    let name: String
    let uid: Int
    let gid: Int
    /// The first of its 65536 subordinate user IDs, and of its 65536 subordinate group IDs.
    let block: Int
    /// The temporary directory of the copies.
    let directory: String

    static let blockSize = 65536
    static let files = ["passwd", "group", "subuid", "subgid"]

    /// The running test's user, set by `.temporaryUser`.
    @TaskLocal static var current: TemporaryUser?

    /// The running test's user; fails the test when it has no `.temporaryUser` trait.
    static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> TemporaryUser {
        try #require(current, "the test needs the .temporaryUser trait", sourceLocation: sourceLocation)
    }

    /// `swclone args...` as this user in a mount namespace that has the user;
    /// `setUp` is shell run there first, as root (e.g. more binds).
    func run(_ args: [String], setUp: String = "", timeout: Double = 20) throws -> Run {
        let script = """
            d=$1; shift
            for f in \(Self.files.joined(separator: " ")); do mount --bind "$d/$f" "/etc/$f" || exit 99; done
            \(setUp)
            exec "$@"
            """
        let asUser = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--inh-caps=-all"]
        return try runProgram(
            "/usr/bin/unshare",
            ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", directory]
                + asUser + [Swclone.path] + args, timeout: timeout)
    }

    // MARK: making and removing

    /// IDs and blocks of the users of tests running now in this process (they run in parallel).
    private static let taken = Mutex<(ids: Set<Int>, blocks: Set<Int>)>(([], []))

    /// Makes the copies in a new temporary directory.
    static func make() throws -> TemporaryUser {
        let host = try Dictionary(
            uniqueKeysWithValues: files.map { file in
                (file, try Data(contentsOf: URL(fileURLWithPath: "/etc/\(file)")))
            })
        // Every ID an entry names, and every subordinate range already given.
        func fields(_ file: String) -> [[Substring]] {
            String(decoding: host[file]!, as: UTF8.self).split(separator: "\n")
                .filter { !$0.hasPrefix("#") }.map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        }
        let usedIDs = Set(
            fields("passwd").flatMap { $0.dropFirst(2).prefix(2).compactMap { Int($0) } }
                + fields("group").compactMap { $0.count > 2 ? Int($0[2]) : nil })
        let ranges = (fields("subuid") + fields("subgid")).compactMap { f -> Range<Int>? in
            guard f.count == 3, let start = Int(f[1]), let count = Int(f[2]) else { return nil }
            return start..<(start + count)
        }
        func free(_ id: Int) -> Bool { !usedIDs.contains(id) && !ranges.contains { $0.contains(id) } }

        let (uid, gid, block) = try taken.withLock { taken -> (Int, Int, Int) in
            // Below Debian's 60000-64999 and nobody; different numbers, so a mixed-up UID and GID would show.
            var ids: [Int] = []
            for id in (50_000..<60_000).shuffled() where free(id) && !taken.ids.contains(id) {
                ids.append(id)
                if ids.count == 2 { break }
            }
            let block = (0..<10_000).shuffled().map { 1_000_000_000 + $0 * blockSize }.first { start in
                let block = start..<(start + blockSize)
                return !taken.blocks.contains(start) && !ranges.contains { $0.overlaps(block) }
                    && !usedIDs.contains { block.contains($0) }
            }
            guard ids.count == 2, let block else { throw TemporaryUserError("no free IDs left") }
            let (uid, gid) = (ids[0], ids[1])
            taken.ids.formUnion([uid, gid])
            taken.blocks.insert(block)
            return (uid, gid, block)
        }

        var template = Array("/tmp/swclone-user.XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            release(uid: uid, gid: gid, block: block)
            throw TemporaryUserError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        let directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let user = TemporaryUser(name: "swct-\(uid)", uid: uid, gid: gid, block: block, directory: directory)
        let lines = [
            "passwd": "\(user.name):x:\(uid):\(gid):swclone test user:/nonexistent:/usr/sbin/nologin",
            "group": "\(user.name):x:\(gid):",
            "subuid": "\(user.name):\(block):\(blockSize)",
            "subgid": "\(user.name):\(block):\(blockSize)",
        ]
        do {
            for file in files {
                var data = host[file]!
                if let last = data.last, last != UInt8(ascii: "\n") { data.append(UInt8(ascii: "\n")) }
                data.append(Data((lines[file]! + "\n").utf8))
                try writeFile("\(user.directory)/\(file)", data, mode: 0o644)
            }
        } catch {
            user.remove()
            throw error
        }
        return user
    }

    /// Removes the temporary directory and frees the IDs.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
        Self.release(uid: uid, gid: gid, block: block)
    }

    private static func release(uid: Int, gid: Int, block: Int) {
        taken.withLock { taken in
            taken.ids.subtract([uid, gid])
            taken.blocks.remove(block)
        }
    }
}

struct TemporaryUserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Gives each test (each case of a parameterized one) its own `TemporaryUser`,
/// as `TemporaryUser.current`, removed after the test whatever happened.
struct TemporaryUserTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let user = try TemporaryUser.make()
        defer { user.remove() }
        try await TemporaryUser.$current.withValue(user) { try await function() }
    }
}

extension Trait where Self == TemporaryUserTrait {
    /// A user with subordinate IDs that exists only where `TemporaryUser.run` runs; see `TemporaryUser`.
    static var temporaryUser: Self { Self() }
}
