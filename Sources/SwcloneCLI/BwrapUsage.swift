import Glibc

/// swclone started as `bwrap`: bubblewrap's usage and version lines, so tools
/// that probe `bwrap --help` or `bwrap --version` keep working.
enum BwrapUsage {
    /// The bubblewrap release whose command line swclone takes.
    static let vocabulary = "0.11.1"

    /// Answers --help and --version; returns for the rest (the completion scripts).
    static func answer(_ key: OptionKey, invokedAs: String) {
        let text: String
        switch key {
        case .version: text = "bubblewrap \(vocabulary) (\(swcloneVersion))\n"
        case .help: text = usage(invokedAs)
        default: return
        }
        _ = text.withCString { write(1, $0, strlen($0)) }
        exit(0)
    }

    /// bubblewrap's layout: `usage: ARGV0 [OPTIONS...] [--] COMMAND [ARGS...]`, then its options.
    static func usage(_ invokedAs: String) -> String {
        var text = "usage: \(invokedAs) [OPTIONS...] [--] COMMAND [ARGS...]\n\n"
        let options =
            builtinOptions.options.filter { $0.key == .help || $0.key == .version }
            + (LaunchOptions.table.all.filter { bubblewrapHas($0.key) })
        for option in options {
            let name = "--" + option.long + (option.valueName.map { " " + $0.uppercased() } ?? "")
            text += "    " + name + String(repeating: " ", count: max(1, 29 - name.count)) + option.help + "\n"
        }
        return text
    }

    /// bubblewrap's vocabulary: its own options, the view, and the few it shares with unshare.
    private static func bubblewrapHas(_ key: OptionKey) -> Bool {
        key.isBwrapOnly || key.isViewOption || [.hostname, .chdir, .newSession, .capAdd, .capDrop].contains(key)
    }
}
