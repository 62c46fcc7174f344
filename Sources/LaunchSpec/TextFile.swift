#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a small file such as /proc/self/status or /etc/subuid, or nil
/// with errno set. Plain read(2): Foundation would slow every launch.
public func readFileBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    let bytes = readToEnd(fd)
    let err = errno
    close(fd)
    errno = err
    return bytes
}

/// Everything `fd` reads until end-of-file (left open), or nil with errno set. Read in place,
/// the buffer doubled when full: no chunk copied over (24 k instructions for a mountinfo).
public func readToEnd(_ fd: Int32) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0, count: 4096)
    var count = 0
    while true {
        if count == bytes.count { bytes += [UInt8](repeating: 0, count: count) }
        let n = bytes.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 {
            bytes.removeSubrange(count...)
            return bytes
        }
        count += n
    }
}

/// The contents of a small text file, or nil with errno set.
public func readTextFile(_ path: String) -> String? {
    readFileBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

/// The integer a file such as /proc/sys/kernel/pid_max starts with, or nil. Parsed from the
/// bytes: splitting a String costs a launch the runtime's generic machinery.
public func readIntegerFile(_ path: String) -> Int? {
    guard let bytes = readFileBytes(path) else { return nil }
    var value = 0, digits = 0, negative = false
    for (i, byte) in bytes.enumerated() {
        if i == 0 && byte == UInt8(ascii: "-") {
            negative = true
            continue
        }
        guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { break }
        let (product, overflow) = value.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        value = product + Int(byte - UInt8(ascii: "0"))
        digits += 1
    }
    return digits > 0 ? (negative ? -value : value) : nil
}
