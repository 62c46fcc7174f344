import Glibc
import LaunchSpec

/// One line of /proc/self/mountinfo: the fields swclone looks at. Scanned
/// as bytes, field by field, into Strings only for the fields kept: String's
/// splitting works on characters, and cost 1.5 M instructions for the 21
/// lines of a small mountinfo.
struct MountInfoLine {
    var id: UInt64
    /// The filesystem's device, "major:minor" as st_dev gives it (field 3).
    var device: String
    /// The directory of the filesystem that is mounted (field 4).
    var root: String
    var mountPoint: String
    /// A "shared:N" optional field: mounts and unmounts propagate to and from its peers.
    var shared: Bool
    var fsType: String
    /// The filesystem's own options ("rw,memory" for a cgroup v1 hierarchy).
    var superOptions: String

    /// The line `line[start..<end]`, or nil when it is malformed or its type is not in `types` (when given).
    init?(_ line: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, types: [String]) {
        let space = UInt8(ascii: " ")
        // (start, end) of fields 1, 3, 4, 5, and of the three after the " - " separator.
        var id = (0, 0), device = (0, 0), root = (0, 0), mountPoint = (0, 0)
        var type = (0, 0), source = (0, 0), options = (0, 0)
        var field = 0, afterDash = -1
        var shared = false
        var i = start
        while i < end {
            var j = i
            while j < end && line[j] != space { j += 1 }
            if afterDash >= 0 {
                afterDash += 1
                switch afterDash {
                case 1: type = (i, j)
                case 2: source = (i, j)
                case 3: options = (i, j)
                default: break
                }
            } else if field >= 6 && j == i + 1 && line[i] == UInt8(ascii: "-") {
                afterDash = 0
            } else {
                switch field {
                case 0: id = (i, j)
                case 2: device = (i, j)
                case 3: root = (i, j)
                case 4: mountPoint = (i, j)
                case 5: break
                default: shared = shared || Self.starts(line, i, j, "shared:")
                }
            }
            field += 1
            i = j + 1
        }
        guard afterDash >= 1, source.1 >= source.0 else { return nil }
        if !types.isEmpty && !types.contains(where: { Self.starts(line, type.0, type.1, $0) && type.1 - type.0 == $0.utf8.count }) {
            return nil
        }
        func text(_ range: (Int, Int)) -> String { String(decoding: UnsafeBufferPointer(rebasing: line[range.0..<range.1]), as: UTF8.self) }
        guard let number = UInt64(text(id)) else { return nil }
        self.id = number
        self.device = text(device)
        self.root = unescapeMountField(line[root.0..<root.1])
        self.mountPoint = unescapeMountField(line[mountPoint.0..<mountPoint.1])
        self.shared = shared
        fsType = text(type)
        superOptions = text(options)
    }

    /// `line[start..<end]` begins with `prefix`.
    private static func starts(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ prefix: String) -> Bool {
        var i = start
        for byte in prefix.utf8 {
            guard i < end, line[i] == byte else { return false }
            i += 1
        }
        return true
    }

    /// Every mount, or those of the filesystem types in `types` (the others are not decoded).
    static func all(types: [String] = []) -> [MountInfoLine] {
        guard let bytes = readFileBytes("/proc/self/mountinfo") else { return [] }
        return bytes.withUnsafeBufferPointer { buffer in
            var mounts: [MountInfoLine] = []
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != UInt8(ascii: "\n") { end += 1 }
                if let mount = MountInfoLine(buffer, from: start, to: end, types: types) { mounts.append(mount) }
                start = end + 1
            }
            return mounts
        }
    }
}

/// mountinfo writes space, tab, newline and backslash as \ooo.
func unescapeMountField<C: Collection>(_ field: C) -> String where C.Element == UInt8 {
    guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
    var out: [UInt8] = []
    var bytes = Array(field)[...]
    while let b = bytes.popFirst() {
        if b == UInt8(ascii: "\\"), bytes.count >= 3,
            let value = UInt8(String(decoding: bytes.prefix(3), as: UTF8.self), radix: 8)
        {
            out.append(value)
            bytes = bytes.dropFirst(3)
        } else {
            out.append(b)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// The same for a field of a line split as text (swclone --check).
public func unescapeMountField(_ field: Substring) -> String { unescapeMountField(field.utf8) }
