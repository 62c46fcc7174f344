/// How an option takes its value. The scanner uses it to parse a command line
/// without swift-argument-parser (whose reflection costs more than a launch),
/// and to find where the program's words begin.
public struct OptionShape: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// A flag.
        case none
        /// `--name VALUE`, `--name=VALUE`, `-xVALUE`, `-x VALUE`.
        case required
        /// unshare's `--name[=VALUE]`: only `=` gives a value, recorded under
        /// the hidden name `hidden`. With `short`, an attached value after
        /// the short form counts too (nsenter's `-m/run/ns/mnt`); otherwise
        /// the short form is a flag (unshare's `-m`).
        case attached(hidden: String, short: Bool = false)
    }

    public var long: String
    public var short: Character?
    public var value: Value

    public init(_ long: String, short: Character? = nil, _ value: Value = .none) {
        self.long = long
        self.short = short
        self.value = value
    }
}

/// Every option of a command, group by group as the option groups declare
/// them: joined into one array, every shape was copied at each launch.
public struct OptionShapes: Sendable {
    let groups: [[OptionShape]]

    init(_ groups: [OptionShape]...) { self.groups = groups }

    func first(where matches: (OptionShape) -> Bool) -> OptionShape? {
        for group in groups {
            if let shape = group.first(where: matches) { return shape }
        }
        return nil
    }

    public var all: [OptionShape] { groups.flatMap { $0 } }
}

/// A command line as the scanner read it: values by long option name, in
/// order (flags record ""), and the program with its arguments.
public struct ParsedOptions: Sendable, Equatable {
    var values: [String: [String]] = [:]
    public var program: [String] = []

    public func flag(_ long: String) -> Bool { values[long] != nil }
    /// The last value given, as option parsers do for a repeated option.
    public func last(_ long: String) -> String? { values[long]?.last }
    public func all(_ long: String) -> [String] { values[long] ?? [] }

    mutating func add(_ long: String, _ value: String = "") { values[long, default: []].append(value) }
}

/// The options of a command line, read without swift-argument-parser; nil
/// when only that parser can answer: help, version, completions, an unknown
/// option, a missing value or a flag given one.
public func parseOptions<S: Collection>(_ args: S, shapes: OptionShapes) -> ParsedOptions? where S.Element == String {
    var parsed = ParsedOptions()
    var complete = true
    parsed.program = walkArguments(args, shapes: shapes, option: { shape, value in
        switch (shape.value, value) {
        case _ where isBuiltin(shape), (.required, nil), (.none, _?):
            complete = false
        case (.none, nil), (.attached, nil):
            parsed.add(shape.long)
        case (.required, let value?):
            parsed.add(shape.long, value)
        case (.attached(let hidden, _), let value?):
            parsed.add(shape.long)
            parsed.add(hidden, value)
        }
    }, unknown: { _ in complete = false })
    return complete ? parsed : nil
}

/// The same command line in the form swift-argument-parser reads: long
/// options, `--name=value`, the hidden option of an attached value, then
/// `--` and the program.
public func parserArguments<S: Collection>(_ args: S, shapes: OptionShapes) -> [String] where S.Element == String {
    var words: [String] = []
    let program = walkArguments(args, shapes: shapes, option: { shape, value in
        switch (shape.value, value) {
        case (.attached(let hidden, _), let value?):
            words += ["--\(shape.long)", "--\(hidden)=\(value)"]
        case (_, let value?):
            words.append("--\(shape.long)=\(value)")
        case (_, nil):
            words.append("--\(shape.long)")
        }
    }, unknown: { words.append($0) })
    return program.isEmpty ? words : words + ["--"] + program
}

/// One pass over swclone's arguments: `option` gets each known option with
/// its value as written (nil for none), `unknown` every other dash word; the
/// result is the program and its arguments. Everything from the first word
/// that is not an option (or after `--`) is the program's, even words that
/// look like options.
private func walkArguments<S: Collection>(_ args: S, shapes: OptionShapes,
                                          option: (OptionShape, String?) -> Void,
                                          unknown: (String) -> Void) -> [String] where S.Element == String {
    var rest = args[...]
    while let arg = rest.popFirst() {
        if arg == "--" { return Array(rest) }
        if arg.utf8.starts(with: "--".utf8) {
            let body = arg.utf8.dropFirst(2)
            let equals = body.firstIndex(of: UInt8(ascii: "="))
            let name = String(arg[body.startIndex..<(equals ?? body.endIndex)])
            let attached = equals.map { String(arg[arg.utf8.index(after: $0)...]) }
            guard let shape = shapes.first(where: { $0.long == name }) else {
                unknown(arg)
                continue
            }
            option(shape, shape.value == .required && attached == nil ? rest.popFirst() : attached)
        } else if arg.utf8.first == UInt8(ascii: "-"), arg.utf8.count > 1 {
            var letters = arg.dropFirst()
            while let letter = letters.popFirst() {
                guard let shape = shapes.first(where: { $0.short == letter }) else {
                    unknown("-\(letter)")
                    continue
                }
                switch shape.value {
                case .none, .attached(_, short: false):
                    option(shape, nil)
                case .required:
                    option(shape, letters.isEmpty ? rest.popFirst() : String(letters))
                    letters = ""
                case .attached(_, short: true):
                    option(shape, letters.isEmpty ? nil : String(letters))
                    letters = ""
                }
            }
        } else {
            return [arg] + rest
        }
    }
    return []
}

/// Options swift-argument-parser adds to every command; only it answers them.
func isBuiltin(_ shape: OptionShape) -> Bool { builtinShapes.contains { $0.long == shape.long } }
let builtinShapes = [
    OptionShape("help", short: "h"), OptionShape("version"),
    OptionShape("generate-completion-script", .required), OptionShape("experimental-dump-help"),
]
