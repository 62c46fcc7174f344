import CLibcap

#if canImport(Glibc)
import Glibc
#endif

/// A set of capabilities as the kernel holds it: bit N is capability N.
public struct CapabilitySet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(_ capabilities: [Int]) {
        self.init(rawValue: capabilities.reduce(0) { $0 | 1 << UInt64($1) })
    }

    /// Every capability of a kernel that knows `count` of them (cap_max_bits).
    public static func all(count: Int) -> CapabilitySet {
        CapabilitySet(rawValue: count >= 64 ? .max : (1 << UInt64(count)) - 1)
    }

    /// The capability numbers in the set, lowest first.
    public var numbers: [Int] { (0..<64).filter { rawValue & 1 << UInt64($0) != 0 } }
}

/// What --cap-drop, --cap-add and --keep-caps asked for, before anything
/// is known of the process that will apply it.
public struct CapabilityRequest: Equatable, Sendable {
    public var drop: CapabilitySet = []
    public var add: CapabilitySet = []
    /// --keep-caps: everything the program may hold also goes to inheritable
    /// and ambient, so a program that is not UID 0 keeps it across exec.
    public var keepAll = false

    public init(drop: CapabilitySet = [], add: CapabilitySet = [], keepAll: Bool = false) {
        self.drop = drop
        self.add = add
        self.keepAll = keepAll
    }

    /// The sets the program gets, from `held`: the permitted set of the
    /// process that applies them (all of them in a new user namespace).
    /// Adds win over drops, whatever their order on the command line.
    /// Throws (125) for an add that `held` lacks: nobody gains a capability.
    public func resolve(held: CapabilitySet) throws -> ResolvedCapabilities {
        let missing = add.subtracting(held)
        guard missing.isEmpty else {
            let names = missing.numbers.map(capabilityName).joined(separator: ",")
            throw SwcloneError.setup(
                "--cap-add \(names): swclone does not hold \(missing.numbers.count == 1 ? "it" : "them")"
                    + " here, and a capability can only be kept, never gained (with --user, the new user namespace grants them)")
        }
        let kept = held.subtracting(drop).union(add)
        return ResolvedCapabilities(kept: kept, inheritable: keepAll ? kept : add)
    }
}

/// The sets a program gets, computed in the parent and applied by the child.
public struct ResolvedCapabilities: Equatable, Sendable {
    /// Permitted, effective and bounding.
    public var kept: CapabilitySet
    /// Inheritable; also ambient when the program runs with a UID other than 0.
    public var inheritable: CapabilitySet

    public init(kept: CapabilitySet, inheritable: CapabilitySet) {
        self.kept = kept
        self.inheritable = inheritable
    }
}

/// How many capabilities the running kernel knows (libcap reads it from the kernel).
public func knownCapabilityCount() -> Int { Int(cap_max_bits()) }

/// A capability number from a name as libcap spells it, in any case, with or
/// without `cap_`: `cap_net_admin`, `CAP_NET_ADMIN`, `net_admin`. Nil for a
/// name libcap or the running kernel does not know.
public func capabilityNumber(_ name: String) -> Int? {
    let lower = name.lowercased()
    guard !lower.isEmpty, lower.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x61...0x7a).contains($0) }) else {
        return nil
    }
    var value: cap_value_t = -1
    let full = lower.hasPrefix("cap_") ? lower : "cap_" + lower
    guard cap_from_name(full, &value) == 0, value >= 0, Int(value) < knownCapabilityCount() else { return nil }
    return Int(value)
}

/// libcap's name for a capability number (the number itself for one libcap does not name).
public func capabilityName(_ number: Int) -> String {
    guard let name = cap_to_name(cap_value_t(number)) else { return String(number) }
    defer { cap_free(name) }
    return String(cString: name)
}

/// Parses --cap-drop / --cap-add values: repeatable, comma lists, `all`
/// (only where `allowAll`). Throws a usage error naming an unknown name.
public func parseCapabilities(_ values: [String], option: String, allowAll: Bool) throws -> CapabilitySet {
    var set: CapabilitySet = []
    for value in values {
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(item)
            if name.isEmpty {
                throw SwcloneError.usage("\(option) '\(value)': an empty capability name")
            } else if name.lowercased() == "all" {
                guard allowAll else {
                    throw SwcloneError.usage("\(option) all: name the capabilities to add (see \(option) help)")
                }
                set.formUnion(.all(count: knownCapabilityCount()))
            } else if let number = capabilityNumber(name) {
                set.insert(CapabilitySet([number]))
            } else {
                throw SwcloneError.usage(
                    "\(option) \(name): unknown capability (\(option) help lists the \(knownCapabilityCount()) this kernel knows)")
            }
        }
    }
    return set
}

/// libcap's version, from its header: the library linked in when the build is static.
public var libcapVersion: String { "\(LIBCAP_MAJOR).\(LIBCAP_MINOR)" }
