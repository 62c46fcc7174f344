#if canImport(Glibc)
import Glibc
#endif

/// A block of subordinate IDs from /etc/subuid or /etc/subgid.
public struct SubordinateBlock: Equatable, Sendable {
    public var start: UInt32
    public var count: UInt32

    public init(start: UInt32, count: UInt32) {
        self.start = start
        self.count = count
    }
}

/// The first `NAME:START:COUNT` or `UID:START:COUNT` line for this user, as util-linux and
/// newuidmap read them. Lines that do not parse are skipped.
public func firstSubordinateBlock(in text: String, userName: String?, uid: uid_t) -> SubordinateBlock? {
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 3, String(fields[0]) == userName || UInt32(fields[0]) == uid,
            let start = UInt32(fields[1]), let count = UInt32(fields[2])
        else { continue }
        return SubordinateBlock(start: start, count: count)
    }
    return nil
}

/// What --map-users auto, subids and all read from the system; tests give their own.
public struct IDSources: Sendable {
    /// The caller's effective IDs: what a single mapping maps, whose subordinate IDs are used.
    public var uid: uid_t
    public var gid: gid_t
    /// Looked up only when a subordinate ID file is read.
    public var userName: @Sendable () -> String?
    public var readFile: @Sendable (String) throws -> String

    public init(
        uid: uid_t, gid: gid_t, userName: @escaping @Sendable () -> String?,
        readFile: @escaping @Sendable (String) throws -> String
    ) {
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.readFile = readFile
    }

    /// The caller as the kernel and the user database see it.
    public static func system() -> IDSources {
        let uid = geteuid()
        return IDSources(
            uid: uid, gid: getegid(),
            userName: { lookUpUserName(uid) },
            readFile: readSmallFile)
    }
}

/// A failed read, with its errno.
public struct FileError: Error, Equatable {
    public var code: Int32

    public init(code: Int32) { self.code = code }
}

/// A whole small text file, its errno as the error.
func readSmallFile(_ path: String) throws -> String {
    guard let text = readTextFile(path) else { throw FileError(code: errno) }
    return text
}
