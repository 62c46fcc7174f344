import Glibc
import LaunchSpec

/// One line of /proc/self/mountinfo: the fields swclone looks at.
struct MountInfoLine {
    var id: UInt64
    /// The directory of the filesystem that is mounted (field 4).
    var root: String
    var mountPoint: String
    /// Optional fields such as "shared:1", "master:2".
    var tags: [Substring]
    var fsType: Substring

    init?(_ line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count >= 10, let id = UInt64(fields[0]),
            let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count
        else { return nil }
        self.id = id
        root = unescapeMountField(fields[3])
        mountPoint = unescapeMountField(fields[4])
        tags = Array(fields[6..<dash])
        fsType = fields[dash + 1]
    }

    static func all() -> [MountInfoLine] {
        guard let text = readTextFile("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap(MountInfoLine.init)
    }
}

/// mountinfo writes space, tab, newline and backslash as \ooo.
public func unescapeMountField(_ field: Substring) -> String {
    guard field.contains("\\") else { return String(field) }
    var out: [UInt8] = []
    var bytes = Array(field.utf8)[...]
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
