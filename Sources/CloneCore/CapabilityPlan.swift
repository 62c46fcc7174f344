import CLibcap
import CShim
import Glibc
import LaunchSpec

/// The parent's half of the capability step: libcap reads what this process
/// holds and how many capabilities the kernel knows, the request is resolved
/// against it, and the child gets plain 64-bit masks to apply.
extension ResolvedCapabilities {
    /// Nil when no capability option was given. Throws (125) for a
    /// --cap-add of something the program could not hold.
    static func forLaunch(_ spec: LaunchSpec) throws -> ResolvedCapabilities? {
        guard let request = spec.capabilities else { return nil }
        let known = CapabilitySet.all(count: knownCapabilityCount())
        // A new user namespace gives its first process every capability in it.
        let held = spec.namespaces.contains(.user) ? known : try permittedSet().intersection(known)
        return try request.resolve(held: held)
    }

    /// The masks in the child's struct.
    func apply(to c: inout sw_child) {
        c.set_caps = 1
        c.cap_known = CapabilitySet.all(count: knownCapabilityCount()).rawValue
        c.cap_kept = kept.rawValue
        c.cap_inheritable = inheritable.rawValue
    }
}

/// This process's permitted set, through libcap.
private func permittedSet() throws -> CapabilitySet {
    guard let caps = cap_get_proc() else {
        throw SwcloneError.setup("cannot read swclone's capabilities: \(errnoText(errno))")
    }
    defer { cap_free(UnsafeMutableRawPointer(caps)) }
    var set: CapabilitySet = []
    for n in 0..<knownCapabilityCount() {
        var value = CAP_CLEAR
        if cap_get_flag(caps, cap_value_t(n), CAP_PERMITTED, &value) == 0, value == CAP_SET {
            set.insert(CapabilitySet([n]))
        }
    }
    return set
}
