import LaunchSpec

/// Typed values of a scanned command line, with the contract's usage errors.
extension ParsedOptions {
    func integer<T: FixedWidthInteger>(_ long: String, as _: T.Type = T.self) throws -> T? {
        guard let text = last(long) else { return nil }
        guard let value = T(text) else {
            throw SwcloneError.usage("--\(long): '\(text)' is not a whole number in range")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ long: String, as _: T.Type = T.self) throws -> T?
    where T.RawValue == String {
        guard let text = last(long) else { return nil }
        guard let value = T(rawValue: text) else {
            let valid = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SwcloneError.usage("--\(long): '\(text)' is not one of \(valid)")
        }
        return value
    }

    /// A directory or file argument, which may not be empty.
    func path(_ long: String) throws -> String? {
        guard let text = last(long) else { return nil }
        guard !text.isEmpty else { throw SwcloneError.usage("--\(long): the path is empty") }
        return text
    }
}
