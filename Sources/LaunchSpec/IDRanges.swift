/// User IDs or group IDs: the options, files and helper that belong to each kind of map.
public enum IDKind: Sendable {
    case user, group

    public var rangesOption: String { self == .user ? "--map-users" : "--map-groups" }
    public var subordinateFile: String { self == .user ? "/etc/subuid" : "/etc/subgid" }
    public var ownMapFile: String { self == .user ? "/proc/self/uid_map" : "/proc/self/gid_map" }
    /// The file under /proc/PID/.
    public var mapFile: String { self == .user ? "uid_map" : "gid_map" }
    /// The set-user-ID helper that writes ranges for an unprivileged caller.
    public var helper: String { self == .user ? "newuidmap" : "newgidmap" }
}

/// One value of --map-users or --map-groups, in every form util-linux accepts.
public enum IDRangeRequest: Equatable, Sendable {
    /// `INNER:OUTER:COUNT`, or the older `OUTER,INNER,COUNT`.
    case range(IDMapEntry)
    /// The caller's first subordinate block, mapped from 0.
    case auto
    /// The caller's first subordinate block, mapped to itself.
    case subids
    /// A copy of the caller's own map (each range mapped to itself).
    case all

    public init(_ text: String, option: String) throws {
        switch text {
        case "auto": self = .auto
        case "subids": self = .subids
        case "all": self = .all
        default:
            if let n = Self.threeNumbers(text, separator: ":") {
                self = .range(IDMapEntry(inner: n[0], outer: n[1], count: n[2]))
            } else if let n = Self.threeNumbers(text, separator: ",") {
                self = .range(IDMapEntry(inner: n[1], outer: n[0], count: n[2]))
            } else {
                throw SwcloneError.usage(
                    "\(option) '\(text)': expected INNER:OUTER:COUNT, OUTER,INNER,COUNT, auto, subids or all")
            }
        }
    }

    /// Exactly three decimal numbers below 2^32 (no signs, no spaces).
    private static func threeNumbers(_ text: String, separator: Character) -> [UInt32]? {
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let numbers = parts.compactMap { part -> UInt32? in
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return UInt32(part)
        }
        return numbers.count == 3 ? numbers : nil
    }
}

/// A --map-users/--map-groups value and the words that asked for it, for error lines.
public struct IDRangeSource: Equatable, Sendable {
    public var request: IDRangeRequest
    /// "--map-users 0:100000:65536", "--map-auto"...
    public var origin: String

    public init(_ request: IDRangeRequest, origin: String) {
        self.request = request
        self.origin = origin
    }
}

/// The kernel's limits on one uid_map or gid_map write (user_namespaces(7)).
public enum IDMapLimits {
    public static let lines = 340
    /// A write of a page or more is refused.
    public static let bytes = 4095
}

/// One map line under construction, with where it came from.
struct IDPiece {
    var inner: UInt64
    var outer: UInt64
    var count: UInt64
    var origin: String
    /// From `auto`: its inside IDs are laid out from 0 around the caller's own mapping.
    var movable = false
    /// Read from /etc/subuid or /etc/subgid: a bad one is the system's fault (125), not the command line's.
    var system: String?

    var entry: IDMapEntry { IDMapEntry(inner: UInt32(inner), outer: UInt32(outer), count: UInt32(count)) }
    var text: String { "\(inner):\(outer):\(count)" }
}

/// The map of one kind: the requested ranges resolved and checked, then the caller's own
/// single mapping (if any) merged in as util-linux does, punching a hole where it would overlap.
func resolveIDMap(_ kind: IDKind, single: UInt32?, ranges: [IDRangeSource], sources: IDSources) throws -> [IDMapEntry] {
    let callerID = UInt64(kind == .user ? sources.uid : sources.gid)
    var pieces: [IDPiece] = []
    for source in ranges {
        pieces += try resolve(source, kind: kind, sources: sources)
    }
    try checkRanges(pieces)
    try checkNoOverlap(pieces)
    if let single {
        pieces = pieces.flatMap { punchHole(in: $0, inner: UInt64(single), outer: callerID) }
        pieces.insert(IDPiece(inner: UInt64(single), outer: callerID, count: 1, origin: "the caller's own ID"), at: 0)
        // A movable range laid out past the caller's ID may now end beyond the last valid ID.
        try checkRanges(pieces)
    }
    try checkLimits(pieces, kind: kind)
    return pieces.map(\.entry)
}

private func resolve(_ source: IDRangeSource, kind: IDKind, sources: IDSources) throws -> [IDPiece] {
    switch source.request {
    case .range(let e):
        return [IDPiece(inner: UInt64(e.inner), outer: UInt64(e.outer), count: UInt64(e.count), origin: source.origin)]
    case .auto, .subids:
        let block = try subordinateBlock(kind, sources: sources, origin: source.origin)
        let auto = source.request == .auto
        return [
            IDPiece(
                inner: auto ? 0 : UInt64(block.start), outer: UInt64(block.start), count: UInt64(block.count),
                origin: source.origin, movable: auto, system: kind.subordinateFile)
        ]
    case .all:
        let text: String
        do { text = try sources.readFile(kind.ownMapFile) } catch let error as FileError {
            throw SwcloneError.setup("\(source.origin): cannot read \(kind.ownMapFile): \(errnoText(error.code))")
        }
        return parseKernelMap(text).map {
            IDPiece(inner: UInt64($0.inner), outer: UInt64($0.inner), count: UInt64($0.count), origin: source.origin)
        }
    }
}

private func subordinateBlock(_ kind: IDKind, sources: IDSources, origin: String) throws -> SubordinateBlock {
    let text: String
    do { text = try sources.readFile(kind.subordinateFile) } catch let error as FileError {
        throw SwcloneError.setup("\(origin): cannot read \(kind.subordinateFile): \(errnoText(error.code))")
    }
    // Both files are keyed by the user, by name or number.
    let name = sources.userName()
    guard let block = firstSubordinateBlock(in: text, userName: name, uid: sources.uid) else {
        let who = name.map { "user \($0) (\(sources.uid))" } ?? "user \(sources.uid)"
        let add = kind.subordinateFile == "/etc/subuid" ? "--add-subuids" : "--add-subgids"
        throw SwcloneError.setup(
            "\(origin): no entry for \(who) in \(kind.subordinateFile): give the user a block of IDs no one else has "
                + "(as root: usermod \(add) FIRST-LAST \(name ?? String(sources.uid))), or map one ID with -r or --map-user")
    }
    return block
}

/// `inner outer count` lines of /proc/PID/uid_map (the outer column is the parent's view).
func parseKernelMap(_ text: String) -> [IDMapEntry] {
    text.split(separator: "\n").compactMap { line in
        let n = line.split(separator: " ", omittingEmptySubsequences: true).compactMap { UInt32($0) }
        return n.count == 3 ? IDMapEntry(inner: n[0], outer: n[1], count: n[2]) : nil
    }
}

/// The kernel refuses empty ranges and ranges that run past the last ID (2^32 - 2).
private func checkRanges(_ pieces: [IDPiece]) throws {
    for p in pieces {
        if p.count == 0 {
            throw SwcloneError.usage("\(p.origin): a range maps at least one ID")
        }
        let limit = UInt64(UInt32.max)
        if p.inner + p.count > limit || p.outer + p.count > limit {
            if let file = p.system {
                throw SwcloneError.setup("\(p.origin): the block \(p.outer):\(p.count) in \(file) runs past the last ID, \(limit - 1)")
            }
            throw SwcloneError.usage("\(p.origin): the range runs past the last ID, \(limit - 1)")
        }
    }
}

/// The kernel refuses two lines whose inside or outside ranges share an ID. Sorted by start,
/// any overlap shows between neighbours; the error names the later option first.
private func checkNoOverlap(_ pieces: [IDPiece]) throws {
    // Closures, not key paths: the first key path instantiates class metadata (0.1 M instructions).
    let sides: [(String, (IDPiece) -> UInt64)] = [("inside", { $0.inner }), ("outside", { $0.outer })]
    for (side, start) in sides {
        let order = pieces.indices.sorted { start(pieces[$0]) < start(pieces[$1]) }
        for (x, y) in zip(order, order.dropFirst())
        where start(pieces[y]) < start(pieces[x]) + pieces[x].count {
            let (b, a) = (pieces[min(x, y)], pieces[max(x, y)])
            let detail = a.origin == b.origin ? " (\(b.text) and \(a.text))" : " \(b.origin)"
            throw SwcloneError.usage("\(a.origin): its \(side) IDs overlap\(detail)")
        }
    }
}

private func checkLimits(_ pieces: [IDPiece], kind: IDKind) throws {
    let option = kind.rangesOption
    if pieces.count > IDMapLimits.lines {
        throw SwcloneError.usage("\(option): \(pieces.count) ranges; the kernel takes at most \(IDMapLimits.lines) per map")
    }
    let bytes = pieces.reduce(0) { $0 + "\($1.inner) \($1.outer) \($1.count)\n".utf8.count }
    if bytes > IDMapLimits.bytes {
        throw SwcloneError.usage("\(option): the map has \(bytes) bytes; the kernel takes at most \(IDMapLimits.bytes)")
    }
}

/// Takes the single mapping `inner -> outer` out of a range, as util-linux does: the inside IDs
/// skip `inner`, the outside IDs skip `outer`, and a range that contained either loses its top ID.
/// An `auto` range (movable) is laid out from 0 around `inner` and loses an ID only to `outer`.
func punchHole(in p: IDPiece, inner: UInt64, outer: UInt64) -> [IDPiece] {
    let outerHit = outer >= p.outer && outer < p.outer + p.count
    let innerHit = inner >= p.inner && inner < p.inner + p.count
    guard outerHit || innerHit else { return [p] }
    let count = p.count - (outerHit || (innerHit && !p.movable) ? 1 : 0)
    // Position k of the range maps inside ID insideAt(k) to outside ID outsideAt(k).
    func insideAt(_ k: UInt64) -> UInt64 { inner >= p.inner && p.inner + k >= inner ? p.inner + k + 1 : p.inner + k }
    func outsideAt(_ k: UInt64) -> UInt64 { outer >= p.outer && p.outer + k >= outer ? p.outer + k + 1 : p.outer + k }
    var cuts: [UInt64] = [0, count]
    if inner >= p.inner, inner - p.inner > 0, inner - p.inner < count { cuts.append(inner - p.inner) }
    if outer >= p.outer, outer - p.outer > 0, outer - p.outer < count { cuts.append(outer - p.outer) }
    let points = Array(Set(cuts)).sorted()
    return zip(points, points.dropFirst()).map { start, end in
        IDPiece(inner: insideAt(start), outer: outsideAt(start), count: end - start, origin: p.origin, system: p.system)
    }
}
