import LaunchSpec

/// Typed values of a scanned command line, with the contract's usage errors.
extension ParsedOptions {
    /// `--name` as given, for messages.
    func option(_ key: OptionKey) -> String {
        "--" + (occurrences.last { $0.key == key }?.name ?? "")
    }

    func integer<T: FixedWidthInteger>(_ key: OptionKey, as _: T.Type = T.self) throws -> T? {
        guard let text = last(key) else { return nil }
        guard let value = T(text) else {
            throw SwcloneError.usage("\(option(key)): '\(text)' is not a whole number in range")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: OptionKey, as _: T.Type = T.self) throws -> T?
    where T.RawValue == String {
        guard let text = last(key) else { return nil }
        guard let value = T(rawValue: text) else {
            let valid = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SwcloneError.usage("\(option(key)): '\(text)' is not one of \(valid)")
        }
        return value
    }

    /// A directory or file argument, which may not be empty.
    func path(_ key: OptionKey) throws -> String? {
        guard let text = last(key) else { return nil }
        guard !text.isEmpty else { throw SwcloneError.usage("\(option(key)): the path is empty") }
        return text
    }
}
