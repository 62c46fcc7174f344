/// What an option's value is, so that the shells' completion offers it: the
/// scripts are generated from the table (CompletionScript.swift), so an option
/// added to the table completes with no change to them. Trivial stored fields
/// only: the launch path builds the table and must not allocate for this.
public struct ValueCompletion: Sendable {
    /// What one word of a value is; each shell lists it its own way.
    public enum Kind: UInt8, Sendable {
        /// No value (a flag), or no word of that number.
        case none
        /// Free text: nothing to offer but `words`.
        case text
        case directory
        /// Any path.
        case file
        case pid
        case user, group
        /// A signal name as `signalNumber` reads it (TERM).
        case signal
        /// The running kernel's capability names, as `swclone --cap-drop help` lists them.
        case capability
        /// An environment variable's name.
        case variable
    }

    /// The first (or only) word.
    public let kind: Kind
    /// Words offered besides the kind's, or alone for `.text`: '|' apart (`follow`, `allow|deny`).
    public let words: String
    /// The first word is a comma-separated list of such values (`cap_chown,cap_kill`).
    public let list: Bool
    /// The second and third words of an option that takes more than one (bubblewrap's
    /// `--bind SRC DEST`: `ValueCompletion(.file, second: .directory)`); how many it takes
    /// is its `Value`'s.
    public let second: Kind, third: Kind

    init(_ kind: Kind, words: String = "", list: Bool = false, second: Kind = .none, third: Kind = .none) {
        self.kind = kind
        self.words = words
        self.list = list
        self.second = second
        self.third = third
    }

    // Computed, not stored: a stored static is a lazy global, initialised through swift_once.
    public static var none: ValueCompletion { ValueCompletion(.none) }
    public static var text: ValueCompletion { ValueCompletion(.text) }
    public static var directory: ValueCompletion { ValueCompletion(.directory) }
    public static var file: ValueCompletion { ValueCompletion(.file) }
    public static var pid: ValueCompletion { ValueCompletion(.pid) }
    public static var user: ValueCompletion { ValueCompletion(.user) }
    public static var group: ValueCompletion { ValueCompletion(.group) }
    public static var signal: ValueCompletion { ValueCompletion(.signal) }
    public static var capability: ValueCompletion { ValueCompletion(.capability) }
    public static var variable: ValueCompletion { ValueCompletion(.variable) }

    /// Only these words, '|' apart.
    static func choices(_ words: String) -> ValueCompletion { ValueCompletion(.text, words: words) }

    /// These words too, '|' apart (`--setuid follow`).
    func or(_ words: String) -> ValueCompletion {
        ValueCompletion(kind, words: words, list: list, second: second, third: third)
    }

    /// A comma-separated list of such values.
    var commaList: ValueCompletion { ValueCompletion(kind, words: words, list: true, second: second, third: third) }

    /// Each word's kind, `count` words (the option's `Value.words`).
    func kinds(count: Int) -> [Kind] { Array([kind, second, third].prefix(count)) }
}
