import CShim

#if canImport(Glibc)
import Glibc
#endif

/// A user given as a number or a name from the user database: the C
/// library's look-up first (the static build reads /etc/passwd only), then
/// getent(1), which asks every name service (LDAP, SSSD...).
public func lookUpUser(_ text: String, option: String) throws -> uid_t {
    if let id = parseID(text) { return id }
    if !text.isEmpty {
        if let entry = getpwnam(text) { return entry.pointee.pw_uid }
        if let id = getentID("passwd", text) { return id }
    }
    throw SwcloneError.usage("\(option): no such user '\(text)'")
}

/// A group given as a number or a name from the group database, as lookUpUser.
public func lookUpGroup(_ text: String, option: String) throws -> gid_t {
    if let id = parseID(text) { return id }
    if !text.isEmpty {
        if let entry = getgrnam(text) { return entry.pointee.gr_gid }
        if let id = getentID("group", text) { return id }
    }
    throw SwcloneError.usage("\(option): no such group '\(text)'")
}

/// The name of user `uid`, looked up as lookUpUser looks up names (the
/// C library first, then getent(1)), or nil when no name service knows it.
public func lookUpUserName(_ uid: uid_t) -> String? {
    if let entry = getpwuid(uid) { return String(cString: entry.pointee.pw_name) }
    return getentAnswer("passwd", String(uid)).flatMap(parseGetentName(uid: uid))
}

/// A decimal ID below 2^32 - 1 (the kernel's invalid ID).
public func parseID(_ text: String) -> UInt32? {
    guard let value = UInt32(text), value != .max else { return nil }
    return value
}

/// The ID of `name` in getent's answer for DATABASE (passwd or group), or nil.
func getentID(_ database: String, _ name: String) -> UInt32? {
    getentAnswer(database, name).flatMap { parseGetentID($0, name: name) }
}

/// What getent(1) prints for KEY (a name or an ID) in DATABASE, or nil when it finds nothing.
private func getentAnswer(_ database: String, _ key: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard sw_getent(database, key, &buffer, buffer.count) > 0 else { return nil }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// The third field of the line for `name` ("name:x:ID:..."), as passwd and group lines have it.
func parseGetentID(_ answer: String, name: String) -> UInt32? {
    getentFields(answer) { $0[0] == name }.flatMap { parseID(String($0[2])) }
}

/// The first field of the line whose third is `uid`.
func parseGetentName(uid: uid_t) -> (String) -> String? {
    { answer in getentFields(answer) { parseID(String($0[2])) == uid }.map { String($0[0]) } }
}

/// The fields of the first line of `answer` with at least three fields that `matches`.
private func getentFields(_ answer: String, matching matches: ([Substring]) -> Bool) -> [Substring]? {
    for line in answer.split(separator: "\n") {
        let fields = line.split(separator: ":", omittingEmptySubsequences: false)
        if fields.count >= 3, matches(fields) { return fields }
    }
    return nil
}
