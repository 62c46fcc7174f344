#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a small file such as /proc/self/status or /etc/subuid, or nil
/// with errno set. Plain read(2): Foundation would slow every launch.
public func readFileBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    // Read in place, the buffer doubled when full: no chunk copied over (24 k instructions for a mountinfo).
    var bytes = [UInt8](repeating: 0, count: 4096)
    var count = 0
    while true {
        if count == bytes.count { bytes += [UInt8](repeating: 0, count: count) }
        let n = bytes.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            let err = errno
            close(fd)
            errno = err
            guard n == 0 else { return nil }
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
