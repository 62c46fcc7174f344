import LaunchSpec

/// A command line as the scanner read it: each option in the order given,
/// with its value, and the program with its arguments.
public struct ParsedOptions: Sendable {
    public struct Occurrence: Sendable {
        public let key: OptionKey
        /// The option's long name, for messages.
        public let name: String
        public let value: String?
        /// The words after the first of an option that takes several (`--bind SRC DEST`: DEST).
        public let more: [String]
    }

    public private(set) var occurrences: [Occurrence] = []
    public var program: [String] = []

    public func flag(_ key: OptionKey) -> Bool { occurrences.contains { $0.key == key } }

    /// The last value given, as option parsers do for a repeated option.
    public func last(_ key: OptionKey) -> String? {
        occurrences.last { $0.key == key && $0.value != nil }?.value
    }

    public func all(_ key: OptionKey) -> [String] {
        occurrences.compactMap { $0.key == key ? $0.value : nil }
    }

    mutating func add(_ option: OptionSpec, _ value: String?, more: [String] = []) {
        occurrences.append(Occurrence(key: option.key, name: option.long, value: value, more: more))
    }
}

/// What a command line asks for: a launch, or what swift-argument-parser answers.
public enum ScannedCommandLine: Sendable {
    case launch(ParsedOptions)
    /// --help, --version, --generate-completion-script SHELL, --experimental-dump-help.
    case builtin(OptionKey, String?)
}

/// Reads a command line with getopt_long's rules as util-linux uses them:
/// options until the first word that is not one (or `--`), after which every
/// word is the program's; long options by their name or any unique prefix of
/// it; short options bundled (`-pmf`). A bad command line is a usage error
/// (64) naming the option and what is wrong.
func scanCommandLine<S: Collection>(
    _ args: S, options: CommandOptions, other: CommandOptions? = nil,
    readArguments: (String) throws -> [String] = BwrapOptions.readArguments
) throws -> ScannedCommandLine where S.Element == String {
    var parsed = ParsedOptions()
    var rest = ArraySlice(args)
    // The positions in `rest` of words an --args descriptor gave (bubblewrap refuses --args among them).
    var fromDescriptor = 0..<0
    while let arg = rest.first {
        let position = rest.startIndex
        if arg == "--" {
            rest.removeFirst()
            break
        }
        if arg.utf8.starts(with: "--".utf8) {
            rest.removeFirst()
            let body = arg.utf8.dropFirst(2)
            let equals = body.firstIndex(of: UInt8(ascii: "="))
            let name = String(arg[body.startIndex..<(equals ?? body.endIndex)])
            let attached = equals.map { String(arg[arg.utf8.index(after: $0)...]) }
            let option = try longOption(name, in: options, other: other)
            let value: String?
            switch option.value {
            case .none:
                if attached != nil { throw SwcloneError.usage("--\(option.long) takes no value") }
                value = nil
            case .required:
                guard let given = attached ?? rest.popFirst() else {
                    throw SwcloneError.usage("--\(option.long) needs a value")
                }
                value = given
            case .optional, .optionalAttached:
                value = attached
            case .words(let count):
                if attached != nil {
                    throw SwcloneError.usage("--\(option.long) takes its \(count) values as separate words, without =")
                }
                var words: [String] = []
                while words.count < count, let word = rest.popFirst() { words.append(word) }
                guard words.count == count else {
                    throw SwcloneError.usage("--\(option.long) needs \(count) values: \(option.valueName ?? "")")
                }
                parsed.add(option, words[0], more: Array(words.dropFirst()))
                continue
            }
            if option.key.answers { return .builtin(option.key, value) }
            parsed.add(option, value)
            // bubblewrap's --args FD: its words are read here, as if they had been written here.
            if option.key == .args, let value {
                guard !fromDescriptor.contains(position) else {
                    throw SwcloneError.usage(
                        "--args \(value): words read from --args cannot hold --args", bwrap: "--args not supported in arguments file")
                }
                let words = try readArguments(value)
                rest = ArraySlice(words + rest)
                fromDescriptor = 0..<words.count
            }
        } else if arg.utf8.first == UInt8(ascii: "-"), arg.utf8.count > 1 {
            rest.removeFirst()
            // Code point by code point, as getopt reads bytes: by Characters, a combining mark after
            // the dash made one with it, and `-\u{301}` was no option at all (nor `-\u{301}p` any but -p).
            var letters = arg.unicodeScalars.dropFirst()
            while let scalar = letters.popFirst() {
                let letter = Character(scalar)
                guard let option = options.option(short: letter) ?? builtinOption(short: letter) else {
                    let hint = other.flatMap { $0.option(short: letter) == nil ? nil : " (it is an option of \($0.name))" }
                    throw SwcloneError.usage("unknown option -\(letter)" + (hint ?? ""), bwrap: "Unknown option \(arg)")
                }
                var value: String?
                switch option.value {
                case .none, .optional, .words:
                    value = nil
                case .required:
                    guard let given = letters.isEmpty ? rest.popFirst() : String(letters) else {
                        throw SwcloneError.usage("-\(letter) (--\(option.long)) needs a value")
                    }
                    value = given
                    letters.removeAll()
                case .optionalAttached:
                    value = letters.isEmpty ? nil : String(letters)
                    letters.removeAll()
                }
                if option.key.answers { return .builtin(option.key, value) }
                parsed.add(option, value)
            }
        } else {
            break
        }
    }
    parsed.program = Array(rest)
    return .launch(parsed)
}

/// `--name` exactly, or the one option `name` is a prefix of (getopt_long's
/// rule: several names of the same option are no ambiguity).
private func longOption(_ name: String, in options: CommandOptions, other: CommandOptions?) throws -> OptionSpec {
    // The exact name first, without building a list: the common case costs nothing more.
    if let option = options.option(long: name) { return option }
    if let option = builtinOptions.options.first(where: { $0.long == name }) { return option }
    if let option = try match(name, in: options.all + builtinOptions.options) { return option }
    let hint = other.flatMap { other in (try? match(name, in: other.all)).flatMap { _ in " (it is an option of \(other.name))" } }
    throw SwcloneError.usage("unknown option --\(name)" + (hint ?? suggestion(name, options)), bwrap: "Unknown option --\(name)")
}

private func match(_ name: String, in options: [OptionSpec]) throws -> OptionSpec? {
    if let option = options.first(where: { $0.long == name }) { return option }
    let candidates = options.filter { !name.isEmpty && !$0.hidden && $0.long.hasPrefix(name) }
    guard let first = candidates.first else { return nil }
    if candidates.allSatisfy({ $0.key == first.key }) { return first }
    let names = candidates.map { "--\($0.long)" }.joined(separator: ", ")
    throw SwcloneError.usage("--\(name) is ambiguous: it could be \(names)")
}

private func builtinOption(short: Character) -> OptionSpec? {
    builtinOptions.options.first { $0.short == short }
}

/// " (did you mean --hostname?)" for the closest visible option, when one is close.
private func suggestion(_ name: String, _ options: CommandOptions) -> String {
    let limit = max(2, name.utf8.count / 3)
    var best: (distance: Int, long: String)?
    // The distance is at least the difference in length, so a name that much longer or shorter is
    // never suggested: not computed, as it takes the product of the lengths (a 128 KiB word took 19 s).
    for option in options.all where !option.hidden && abs(name.utf8.count - option.long.utf8.count) <= limit {
        let d = editDistance(Array(name.utf8), Array(option.long.utf8))
        if d < best?.distance ?? Int.max { best = (d, option.long) }
    }
    guard let best, best.distance <= limit else { return "" }
    return " (did you mean --\(best.long)?)"
}

/// Levenshtein distance between two byte strings.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}

extension OptionKey {
    /// The scan ends at this option, which answers instead of a launch: swift-argument-parser's, and --check.
    var answers: Bool { isBuiltin || self == .check || self == .json }

    var isBuiltin: Bool {
        switch self {
        case .help, .version, .generateCompletionScript, .experimentalDumpHelp: true
        default: false
        }
    }
}
