#if canImport(Glibc)
import Glibc
#endif

/// What bounds one launch in time and resources: --timeout, --kill-tree, the
/// transient cgroup's limits (--memory-max, --pids-max, --cpu-max, under
/// --cgroup-parent) and --rlimit. Nil in a spec that asks for none of them.
public struct Limits: Equatable, Sendable {
    public var timeout: Timeout?
    /// --kill-tree as given; --timeout and the cgroup limits imply it (see `killsTree`).
    public var killTree = false
    /// memory.max in bytes.
    public var memoryMax: UInt64?
    public var pidsMax: UInt64?
    public var cpuMax: CPUQuota?
    /// --cgroup-parent: directories the transient cgroup is made in, one per hierarchy, in order given.
    public var cgroupParents: [String] = []
    /// --rlimit, in order given.
    public var resourceLimits: [ResourceLimit] = []

    public init() {}

    /// Whether a limit needs a cgroup of its own.
    public var limitsCgroup: Bool { memoryMax != nil || pidsMax != nil || cpuMax != nil }

    /// What is left behind is killed when the program ends.
    public var killsTree: Bool { killTree || timeout != nil || limitsCgroup }

    /// A transient cgroup is made: for a limit, or to find what is left behind when no PID
    /// namespace holds it (the end of a new PID namespace's init kills everything in it). Not
    /// for --timeout alone when the program starts in --into-cgroup's directory.
    public func wantsCgroup(newPIDNamespace: Bool, intoCgroup: Bool) -> Bool {
        if intoCgroup && cgroupOptional { return false }
        return limitsCgroup || (killsTree && (!newPIDNamespace || !cgroupParents.isEmpty))
    }

    /// Only --timeout wants the cgroup: where none can be made, the program's process group stands in.
    public var cgroupOptional: Bool { !limitsCgroup && !killTree && cgroupParents.isEmpty }

    /// The options that ask for a transient cgroup, as given, for messages ("--memory-max 48M").
    public var cgroupOptions: String {
        var words = ""
        if let memoryMax { words += " --memory-max " + formatBytes(memoryMax) }
        if let pidsMax { words += " --pids-max " + String(pidsMax) }
        if let cpuMax { words += " --cpu-max " + cpuMax.text }
        if words.isEmpty { return killTree ? "--kill-tree" : "--timeout " + (timeout?.text ?? "") }
        return String(words.dropFirst())
    }
}

/// --timeout DURATION[,KILL-AFTER], as timeout(1): SIGTERM after `seconds`,
/// then SIGKILL to everything the program started `killAfter` later (nil:
/// never, as `timeout -k 0`).
public struct Timeout: Equatable, Sendable {
    public var seconds: Double
    public var killAfter: Double?
    /// DURATION as given, with timeout(1)'s default unit written out ("10m", "90s").
    public var text: String
    public var killAfterText: String

    public init(seconds: Double, killAfter: Double?, text: String, killAfterText: String = "5s") {
        self.seconds = seconds
        self.killAfter = killAfter
        self.text = text
        self.killAfterText = killAfterText
    }
}

/// --cpu-max: CPU time per 100 ms period (cgroup v2 cpu.max, v1 cpu.cfs_quota_us).
public struct CPUQuota: Equatable, Sendable {
    public static let period: UInt64 = 100_000
    /// Microseconds per period.
    public var quota: UInt64
    /// The number of CPUs as given.
    public var text: String
}

/// One --rlimit: a resource as prlimit(1) names it, and the limits to set.
/// A limit not given (prlimit's `SOFT:` and `:HARD`) keeps its current value.
public struct ResourceLimit: Equatable, Sendable {
    public var name: String
    public var resource: Int32
    public var soft: UInt64?
    public var hard: UInt64?
    /// NAME=VALUE as given, for messages.
    public var text: String
}

/// prlimit(1)'s resource names and RLIMIT_* numbers (the same on x86_64 and arm64).
public let resourceNames: [(name: String, resource: Int32)] = [
    ("as", 9), ("core", 4), ("cpu", 0), ("data", 2), ("fsize", 1), ("locks", 10), ("memlock", 8),
    ("msgqueue", 12), ("nice", 13), ("nofile", 7), ("nproc", 6), ("rss", 5), ("rtprio", 14),
    ("rttime", 15), ("sigpending", 11), ("stack", 3),
]

/// RLIM_INFINITY.
public let unlimitedResource = UInt64.max

/// `NAME=SOFT[:HARD]` as prlimit(1) reads its `--NAME=limits`: a number or
/// `unlimited` (or -1) for both, `SOFT:HARD`, `SOFT:` or `:HARD`; numbers in
/// the resource's own unit (bytes, seconds, a count).
public func parseResourceLimit(_ text: String) throws -> ResourceLimit {
    func refuse(_ why: String) -> SwcloneError { .usage("--rlimit \(text): \(why)") }
    guard let equals = text.firstIndex(of: "=") else {
        throw refuse("not NAME=SOFT[:HARD] (e.g. nofile=1024:4096)")
    }
    let name = String(text[..<equals])
    guard let resource = resourceNames.first(where: { $0.name == name })?.resource else {
        throw refuse("unknown resource '\(name)'; prlimit's names are \(resourceNames.map(\.name).joined(separator: ", "))")
    }
    let value = text[text.index(after: equals)...]
    func limit(_ part: Substring) throws -> UInt64 {
        if part == "unlimited" || part == "-1" { return unlimitedResource }
        guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = UInt64(part) else {
            throw refuse("'\(part)' is not a number or unlimited")
        }
        return n
    }
    var soft: UInt64?, hard: UInt64?
    if let colon = value.firstIndex(of: ":") {
        let first = value[..<colon], second = value[value.index(after: colon)...]
        guard !(first.isEmpty && second.isEmpty) else { throw refuse("give SOFT:HARD, SOFT: or :HARD") }
        if !first.isEmpty { soft = try limit(first) }
        if !second.isEmpty { hard = try limit(second) }
    } else {
        soft = try limit(value)
        hard = soft
    }
    if let soft, let hard, soft > hard {
        throw refuse("the soft limit \(soft) is above the hard limit \(hard)")
    }
    return ResourceLimit(name: name, resource: resource, soft: soft, hard: hard, text: text)
}

/// A duration as timeout(1) reads one: a non-negative decimal number of
/// seconds, or of minutes, hours or days with the suffix m, h or d (s for
/// seconds). Nil when `text` is not one.
public func parseDuration(_ text: Substring) -> Double? {
    var number = text
    var unit = 1.0
    switch text.last {
    case "s": number = text.dropLast()
    case "m": (number, unit) = (text.dropLast(), 60)
    case "h": (number, unit) = (text.dropLast(), 3600)
    case "d": (number, unit) = (text.dropLast(), 86400)
    default: break
    }
    // Digits and one point only: Double() would also take "inf", "nan", "0x1p3" and "1e9".
    guard !number.isEmpty, number.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }),
        let value = Double(number), value.isFinite
    else { return nil }
    return value * unit
}

/// `--timeout DURATION[,KILL-AFTER]`; nil for a DURATION of 0, which
/// disables the timeout (as timeout(1)). KILL-AFTER defaults to 5 seconds;
/// 0 sends no SIGKILL, as `timeout -k 0`.
public func parseTimeout(_ text: String) throws -> Timeout? {
    func refuse(_ why: String) -> SwcloneError { .usage("--timeout \(text): \(why)") }
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard parts.count <= 2 else { throw refuse("give DURATION or DURATION,KILL-AFTER (e.g. 10m,30s)") }
    // Beyond a century a timer is as good as none, and the seconds still fit every clock.
    let longest = 100 * 365 * 86400.0
    guard let seconds = parseDuration(parts[0]), seconds <= longest else {
        throw refuse("'\(parts[0])' is not a duration: a number with an optional unit s, m, h or d")
    }
    var killAfter: Double? = 5
    var killAfterText = "5s"
    if parts.count == 2 {
        guard let value = parseDuration(parts[1]), value <= longest else {
            throw refuse("'\(parts[1])' is not a duration: a number with an optional unit s, m, h or d")
        }
        killAfter = value == 0 ? nil : value
        killAfterText = withUnit(parts[1])
    }
    guard seconds > 0 else { return nil }
    return Timeout(seconds: seconds, killAfter: killAfter, text: withUnit(parts[0]), killAfterText: killAfterText)
}

/// "90" → "90s": a duration as given, its unit written out. (String + String: appending a
/// Substring calls a generic the runtime must first look up, 0.17 M instructions.)
private func withUnit(_ text: Substring) -> String {
    let given = String(text)
    switch text.last {
    case "s", "m", "h", "d": return given
    default: return given + "s"
    }
}

/// A size in bytes: a whole number, with K, M, G or T (powers of 1024, as
/// cgroup and systemd sizes) and an optional "iB" after the letter.
public func parseBytes(_ text: String) -> UInt64? {
    var digits = Substring(text)
    if digits.hasSuffix("iB") { digits = digits.dropLast(2) }
    var shift: UInt64 = 0
    switch digits.last {
    case "K", "k": shift = 10
    case "M", "m": shift = 20
    case "G", "g": shift = 30
    case "T", "t": shift = 40
    default: if digits.count != text.count { return nil }  // "iB" without a letter
    }
    if shift > 0 { digits = digits.dropLast() }
    guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = UInt64(digits),
        n <= UInt64.max >> shift
    else { return nil }
    return n << shift
}

/// "50331648" → "48M": bytes in the largest unit that divides them.
public func formatBytes(_ bytes: UInt64) -> String {
    for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] as [(UInt64, String)]
    where bytes != 0 && bytes & ((1 << shift) - 1) == 0 {
        return "\(bytes >> shift)\(unit)"
    }
    return String(bytes)
}

/// `--cpu-max CPUS`: a decimal number of CPUs, at least 0.01 (the kernel's
/// smallest quota is 1 ms per 100 ms period).
public func parseCPUs(_ text: String) -> CPUQuota? {
    guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }), let cpus = Double(text),
        cpus >= 0.01, cpus <= 100_000
    else { return nil }
    return CPUQuota(quota: UInt64((cpus * Double(CPUQuota.period)).rounded()), text: text)
}
