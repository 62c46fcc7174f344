#if canImport(Glibc)
import Glibc
#endif

/// A user given as a number or a name from the user database.
public func lookUpUser(_ text: String, option: String) throws -> uid_t {
    if let id = parseID(text) { return id }
    guard !text.isEmpty, let entry = getpwnam(text) else {
        throw SwcloneError.usage("\(option): no such user '\(text)'")
    }
    return entry.pointee.pw_uid
}

/// A group given as a number or a name from the group database.
public func lookUpGroup(_ text: String, option: String) throws -> gid_t {
    if let id = parseID(text) { return id }
    guard !text.isEmpty, let entry = getgrnam(text) else {
        throw SwcloneError.usage("\(option): no such group '\(text)'")
    }
    return entry.pointee.gr_gid
}

/// A decimal ID below 2^32 - 1 (the kernel's invalid ID).
public func parseID(_ text: String) -> UInt32? {
    guard let value = UInt32(text), value != .max else { return nil }
    return value
}
