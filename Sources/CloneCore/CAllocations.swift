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

    /// Keys and values alternating (for fsconfig), then a NULL key: an empty value is a flag, NULL
    /// in C. Flat rather than an array of tuples, whose type would cost the runtime an instantiation.
    func pairs(_ words: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let array = allocate(UnsafePointer<CChar>?.self, count: words.count + 2)
        array.initialize(repeating: nil, count: words.count + 2)
        for (i, word) in words.enumerated() where i % 2 == 0 || !word.isEmpty { array[i] = string(word) }
        return UnsafePointer(array)
    }

    /// Uninitialized memory for `count` values (malloc'd, so free() releases it).
    func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(count, 1) * MemoryLayout<T>.stride)!
        pointers.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }
}
