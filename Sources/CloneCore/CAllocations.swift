import Glibc

/// C strings, arrays of them and structures made in the parent for the
/// child, which may not allocate after clone3; all freed together.
final class CAllocations {
    private var pointers: [UnsafeMutableRawPointer] = []

    deinit {
        for p in pointers { free(p) }
    }

    func string(_ s: String) -> UnsafePointer<CChar> {
        let copy = strdup(s)!
        pointers.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// A NULL-terminated array of C strings with `spare` empty slots in front.
    func array(_ strings: [String], spare: Int = 0) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: spare + strings.count + 1)
        array.initialize(repeating: nil, count: spare + strings.count + 1)
        for (i, s) in strings.enumerated() { array[spare + i] = UnsafeMutablePointer(mutating: string(s)) }
        return array
    }

    /// The same array, typed as the read-only one C functions take.
    func constArray(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        UnsafeRawPointer(array(strings)).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
    }

    /// Key, value pairs for fsconfig, then a NULL key: a key with a nil value is a flag.
    func pairs(_ pairs: [(String, String?)]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let array = allocate(UnsafePointer<CChar>?.self, count: 2 * pairs.count + 2)
        array.initialize(repeating: nil, count: 2 * pairs.count + 2)
        for (i, (key, value)) in pairs.enumerated() {
            array[2 * i] = string(key)
            array[2 * i + 1] = value.map(string)
        }
        return UnsafePointer(array)
    }

    /// Uninitialized memory for `count` values (malloc'd, so free() releases it).
    func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(count, 1) * MemoryLayout<T>.stride)!
        pointers.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }
}
