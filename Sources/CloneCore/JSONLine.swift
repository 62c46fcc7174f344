/// One JSON object, in the layouts of bubblewrap: on one line for
/// --json-status-fd (`{ "key": value, ... }`), a key a line for --info-fd
/// (whose readers pick a key's line with grep). Written by hand because
/// Foundation's encoder would slow every launch; strings are escaped as RFC 8259
/// requires.
struct JSONLine {
    private(set) var bytes: [UInt8]
    private var empty = true
    private let indented: Bool

    init(indented: Bool = false) {
        self.indented = indented
        bytes = Array((indented ? "{" : "{ ").utf8)
        bytes.reserveCapacity(256)
    }

    mutating func add<T: BinaryInteger>(_ key: String, _ value: T) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        if indented { bytes += Array("\n    ".utf8) } else if !empty { bytes.append(UInt8(ascii: " ")) }
        empty = false
        appendString(key)
        bytes += Array(": ".utf8)
        bytes += Array(String(value).utf8)
    }

    mutating func add(_ key: String, string value: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        if indented { bytes += Array("\n    ".utf8) } else if !empty { bytes.append(UInt8(ascii: " ")) }
        empty = false
        appendString(key)
        bytes += Array(": ".utf8)
        appendString(value)
    }

    /// The finished object, newline included.
    var line: [UInt8] { bytes + Array((indented ? "\n}\n" : " }\n").utf8) }

    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): bytes += Array(#"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes += Array(#"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes += Array(#"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes += Array(#"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)  // UTF-8 passes through: JSON text is UTF-8
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
