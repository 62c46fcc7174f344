/// How an option takes its value, so the program's first word can be found
/// before swift-argument-parser sees the options.
public struct OptionShape: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// A flag.
        case none
        /// `--name VALUE`, `--name=VALUE`, `-xVALUE`, `-x VALUE`.
        case required
        /// unshare's `--name[=VALUE]`: only `=` gives a value, passed on as the
        /// hidden `--<hidden>`. With `short`, an attached value after the
        /// short form counts too (nsenter's `-m/run/ns/mnt`); otherwise the
        /// short form is a flag (unshare's `-m`).
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

/// Splits swclone's arguments into options and the program with its
/// arguments. Everything from the first word that is not an option (or
/// after `--`) belongs to the program, even words that look like options.
/// Options come back in long form (`--name`, `--name=value`), which
/// swift-argument-parser parses without ambiguity.
public func splitArguments<S: Collection>(_ args: S, shapes: [OptionShape]) -> (options: [String], program: [String])
where S.Element == String {
    var options: [String] = []
    var rest = args[...]
    func shape(long: Substring) -> OptionShape? { shapes.first { $0.long == long } }
    func shape(short: Character) -> OptionShape? { shapes.first { $0.short == short } }

    while let arg = rest.popFirst() {
        if arg == "--" { return (options, Array(rest)) }
        if arg.hasPrefix("--") {
            let body = arg.dropFirst(2)
            let name = body.prefix { $0 != "=" }
            let attachedValue = name.count < body.count ? String(body.dropFirst(name.count + 1)) : nil
            switch (shape(long: name)?.value, attachedValue) {
            case (.required?, nil):
                if let value = rest.popFirst() { options.append("--\(name)=\(value)") } else { options.append(arg) }
            case (.attached(let hidden, _)?, let value?):
                options += ["--\(name)", "--\(hidden)=\(value)"]
            default:
                options.append(arg)  // flags, --name=value, and unknown options for the parser to reject
            }
        } else if arg.hasPrefix("-"), arg.count > 1 {
            var letters = arg.dropFirst()
            while let letter = letters.popFirst() {
                guard let s = shape(short: letter) else {
                    options.append("-\(letter)")
                    continue
                }
                switch s.value {
                case .none, .attached(_, short: false):
                    options.append("--\(s.long)")
                case .required:
                    let value = letters.isEmpty ? rest.popFirst() : String(letters)
                    letters = ""
                    options.append(value.map { "--\(s.long)=\($0)" } ?? "--\(s.long)")
                case .attached(let hidden, short: true):
                    options.append("--\(s.long)")
                    if !letters.isEmpty { options.append("--\(hidden)=\(letters)") }
                    letters = ""
                }
            }
        } else {
            return (options, [arg] + rest)
        }
    }
    return (options, [])
}
