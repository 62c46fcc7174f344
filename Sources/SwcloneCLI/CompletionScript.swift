import LaunchSpec

/// `swclone --generate-completion-script bash|zsh|fish`: a script generated from the
/// option table. swift-argument-parser's scripts could not say what this command line
/// is: unshare's `--pid[=FILE]` (a flag to the parser), nsenter's `-mFILE`, options
/// until the first word that is not one (then the program and its own arguments),
/// `enter` only as the first word, values of several words; its zsh script failed on
/// every TAB ("doubled rest argument definition").
func completionScript(_ shell: String) throws -> String {
    switch shell {
    case "bash": bashCompletionScript()
    case "zsh": zshCompletionScript()
    case "fish": fishCompletionScript()
    default: throw SwcloneError.usage("--generate-completion-script '\(shell)': a completion script is for bash, zsh or fish")
    }
}

/// The two commands as the scripts know them: launch (`swclone ...`) and `swclone enter ...`.
struct CompletedCommand {
    /// The name in the scripts' identifiers.
    let name: String
    /// The command's options and the built-in ones (--help...), hidden ones too: a script
    /// must know how many words each takes.
    let options: [OptionSpec]

    static let all = [
        CompletedCommand(name: "launch", options: LaunchOptions.table.all + builtinOptions.options),
        CompletedCommand(name: "enter", options: EnterOptions.table.all + builtinOptions.options),
    ]
}

extension OptionSpec {
    /// How its value is given, as the bash and fish scripts read it: `flag`; `next` (the
    /// next word, or after `=`); `eq` (only after `=`, unshare's `--pid=FILE`); `attached`
    /// (after `=`, or right after the short letter: nsenter's `-mFILE`); `words` (the next
    /// words, bubblewrap's `--bind SRC DEST`).
    var shape: String {
        switch value {
        case .none: "flag"
        case .required: "next"
        case .optional: "eq"
        case .optionalAttached: "attached"
        case .words: "words"
        }
    }

    /// Each word of its value: its kind, the separator of a list (`,` or nothing), and the
    /// words offered besides ('|' apart), `:` between them (`capability:,:all`).
    var completedWords: [String] {
        complete.kinds(count: value.wordCount).enumerated().map { i, kind in
            i == 0 ? "\(kind):\(complete.list ? "," : ""):\(complete.words)" : "\(kind)::"
        }
    }

    /// One line of the bash and fish scripts' tables: long name, short letter (`-` for
    /// none), shape, `+` shown or `-` hidden, then each value word.
    var completionLine: String {
        ([long, short.map { String($0) } ?? "-", shape, hidden ? "-" : "+"] + completedWords).joined(separator: " ")
    }
}

/// `text` in single quotes for a POSIX shell or zsh.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingAll("'", with: #"'\''"#) + "'"
}

extension String {
    /// Every `target` replaced (no Foundation in this module).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for c in self { if c == target { result += replacement } else { result.append(c) } }
        return result
    }
}
