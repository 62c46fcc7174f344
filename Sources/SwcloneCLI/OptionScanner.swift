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

/// One pass over swclone's arguments. Everything from the first word that is
/// not an option (or after `--`) is the program's, even words that look like
/// options. `parserArguments` is the same command line in the form
/// swift-argument-parser reads (long options, `--name=value`, `--`, program);
/// `parsed` is nil when only that parser can answer: help, version,
/// completions, an unknown option or a missing value.
public func scanArguments<S: Collection>(_ args: S, shapes: [OptionShape])
    -> (parsed: ParsedOptions?, parserArguments: [String]) where S.Element == String {
    var parsed = ParsedOptions()
    var normalized: [String] = []
    var needsParser = false
    var rest = args[...]
    func shape(long: Substring) -> OptionShape? { shapes.first { $0.long == long } }
    func shape(short: Character) -> OptionShape? { shapes.first { $0.short == short } }
    func record(_ s: OptionShape, _ value: String?) {
        if builtinOptions.contains(s.long) { needsParser = true }
        switch (s.value, value) {
        case (.none, nil), (.attached, nil):
            parsed.add(s.long)
            normalized.append("--\(s.long)")
        case (.required, let value?):
            parsed.add(s.long, value)
            normalized.append("--\(s.long)=\(value)")
        case (.attached(let hidden, _), let value?):
            parsed.add(s.long)
            parsed.add(hidden, value)
            normalized += ["--\(s.long)", "--\(hidden)=\(value)"]
        case (.required, nil), (.none, _?):
            needsParser = true
            normalized.append("--\(s.long)" + (value.map { "=\($0)" } ?? ""))
        }
    }

    scan: while let arg = rest.popFirst() {
        if arg == "--" {
            parsed.program = Array(rest)
            break scan
        }
        if arg.hasPrefix("--") {
            let body = arg.dropFirst(2)
            let name = body.prefix { $0 != "=" }
            let attached = name.count < body.count ? String(body.dropFirst(name.count + 1)) : nil
            guard let s = shape(long: name) else {
                needsParser = true
                normalized.append(arg)
                continue
            }
            record(s, s.value == .required && attached == nil ? rest.popFirst() : attached)
        } else if arg.hasPrefix("-"), arg.count > 1 {
            var letters = arg.dropFirst()
            while let letter = letters.popFirst() {
                guard let s = shape(short: letter) else {
                    needsParser = true
                    normalized.append("-\(letter)")
                    continue
                }
                switch s.value {
                case .none, .attached(_, short: false):
                    record(s, nil)
                case .required:
                    record(s, letters.isEmpty ? rest.popFirst() : String(letters))
                    letters = ""
                case .attached(_, short: true):
                    record(s, letters.isEmpty ? nil : String(letters))
                    letters = ""
                }
            }
        } else {
            parsed.program = [arg] + rest
            break scan
        }
    }
    if !parsed.program.isEmpty { normalized += ["--"] + parsed.program }
    return (needsParser ? nil : parsed, normalized)
}

/// Options swift-argument-parser adds to every command; only it answers them.
let builtinOptions: Set<String> = ["help", "version", "generate-completion-script", "experimental-dump-help"]
let builtinShapes = [
    OptionShape("help", short: "h"), OptionShape("version"),
    OptionShape("generate-completion-script", .required), OptionShape("experimental-dump-help"),
]
