import ArgumentParser
import Foundation
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// The scanner: getopt_long's rules, where the program's words begin,
/// unshare's `--ns=FILE`, and its own usage errors.
struct OptionScannerTests {
    @Test func programWordsAreNeverOptions() throws {
        let a = try scanLaunch(["--fork", "echo", "--pid", "-n"])
        #expect(a.flag(.fork) && !a.flag(.pid))
        #expect(a.program == ["echo", "--pid", "-n"])
        let b = try scanLaunch(["--fork", "--", "echo", "-x", "--"])
        #expect(b.program == ["echo", "-x", "--"])
        #expect(try scanLaunch(["-", "x"]).program == ["-", "x"])
    }

    @Test func namespaceFileOnlyWithEquals() throws {
        let spaced = try scanLaunch(["--mount", "/x"])
        #expect(spaced.flag(.mount) && spaced.last(.mount) == nil && spaced.program == ["/x"])
        let attached = try scanLaunch(["--mount=/x", "true"])
        #expect(attached.last(.mount) == "/x" && attached.program == ["true"])
        // unshare's short forms take no file.
        let short = try scanLaunch(["-pmf", "sh"])
        #expect(short.flag(.pid) && short.flag(.mount) && short.flag(.fork) && short.program == ["sh"])
    }

    @Test func valuesAttachedOrSeparate() throws {
        let a = try scanLaunch(["--wd", "/tmp", "-S1000", "-G", "-5", "--hostname=h", "id"])
        #expect(a.last(.wd) == "/tmp" && a.last(.setuid) == "1000" && a.last(.setgid) == "-5")
        #expect(a.last(.hostname) == "h" && a.program == ["id"])
    }

    @Test func repeatedOptionsKeepEveryValueInOrder() throws {
        let a = try scanLaunch(["--whitelist-env", "A", "--fork", "--whitelist-env=B,C"])
        #expect(a.all(.whitelistEnv) == ["A", "B,C"])
        #expect(a.occurrences.map(\.key) == [.whitelistEnv, .fork, .whitelistEnv])
    }

    /// A value attached to a short option starts right after its letter, whatever follows it.
    @Test func attachedValuesStartAfterTheLetter() throws {
        #expect(try scanLaunch(["-w\u{301}x", "true"]).last(.wd) == "\u{301}x")
        #expect(try scanEnter(["-t1", "-u\u{301}", "true"]).last(.uts) == "\u{301}")
    }

    /// getopt_long: any unique prefix; an exact name wins over longer ones.
    @Test func abbreviations() throws {
        #expect(try scanLaunch(["--map-root", "id"]).flag(.mapRootUser))
        #expect(try scanLaunch(["--hostn=box", "id"]).last(.hostname) == "box")
        #expect(try scanLaunch(["--mount", "id"]).flag(.mount))
        #expect(try scanEnter(["--preserve", "-t1", "-U"]).flag(.preserveCredentials))
    }

    @Test(arguments: [
        (["--help"], OptionKey.help), (["-h"], .help), (["--version"], .version), (["-V"], .version),
        (["--pid", "--vers"], .version), (["--generate-completion-script", "bash"], .generateCompletionScript),
        (["--experimental-dump-help"], .experimentalDumpHelp),
    ])
    func builtinsGoToTheParser(args: [String], key: OptionKey) {
        #expect(throws: BuiltinAsked(key: key)) { try scanLaunch(args) }
    }

    @Test(arguments: [
        (["--bogus"], "unknown option --bogus"),
        (["--hostnme", "x"], "unknown option --hostnme (did you mean --hostname?)"),
        (["-Z"], "unknown option -Z"),
        (["--fork=yes"], "--fork takes no value"),
        (["--wd"], "--wd needs a value"),
        (["-S"], "-S (--setuid) needs a value"),
        (["--map"], "--map is ambiguous: it could be --map-root-user, --map-current-user, --map-user"),
        (["--target", "1"], "unknown option --target (it is an option of swclone enter)"),
        (["-pZ"], "unknown option -Z"),
        (["-\u{301}", "true"], "unknown option -\u{301}"),
        (["-\u{301}p", "true"], "unknown option -\u{301}"),
    ])
    func badCommandLinesNameTheOption(args: [String], message: String) {
        let error = usageError { try scanLaunch(args) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no usage error")")
    }

    /// Found by `make fuzz`: the suggestion measured the distance to every option, in time the product
    /// of the lengths: an unknown option as long as the kernel allows (128 KiB) took 19 s to refuse.
    @Test func aLongUnknownOptionIsRefusedAtOnce() {
        let name = String(repeating: "a", count: 131_000)
        let clock = ContinuousClock()
        let start = clock.now
        for scan in [scanLaunch, scanEnter] {
            #expect(usageError { try scan(["--" + name, "true"]) }?.message == "unknown option --" + name)
        }
        #expect(clock.now - start < .seconds(2))
    }

    @Test func enterKnowsItsOwnOptions() {
        #expect(usageError { try scanEnter(["--fork"]) }?.message == "unknown option --fork (it is an option of swclone)")
    }
}

/// The option table against swift-argument-parser's own description of the
/// commands (what --help and completions show) and against the manual.
struct OptionTableTests {
    /// One argument of `--experimental-dump-help`.
    struct Argument {
        var kind: String
        var names: Set<String>
        var repeats: Bool
        var visible: Bool
        var section: String?
        var abstract: String
    }

    static func arguments(_ command: (some ParsableCommand).Type) throws -> [Argument] {
        var json = ""
        do { _ = try command.parseAsRoot(["--experimental-dump-help"]) } catch { json = command.fullMessage(for: error) }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let info = try #require(root["command"] as? [String: Any])
        let list = try #require(info["arguments"] as? [[String: Any]])
        return list.compactMap { a in
            guard let kind = a["kind"] as? String, kind != "positional" else { return nil }
            let names = (a["names"] as? [[String: String]] ?? []).compactMap { $0["name"] }
            return Argument(
                kind: kind, names: Set(names), repeats: a["isRepeating"] as? Bool ?? false,
                visible: a["shouldDisplay"] as? Bool ?? true, section: a["sectionTitle"] as? String,
                abstract: a["abstract"] as? String ?? "")
        }
    }

    func compare(_ table: CommandOptions, with arguments: [Argument]) {
        var remaining = arguments
        for option in table.all + builtinOptions.options {
            guard let i = remaining.firstIndex(where: { $0.names.contains(option.long) }) else {
                // Only the scanner answers these two; the parser adds nothing for them.
                #expect([.generateCompletionScript, .experimentalDumpHelp].contains(option.key), "--\(option.long) is not declared")
                continue
            }
            let a = remaining.remove(at: i)
            var names: Set<String> = [option.long]
            // -V is util-linux's --version; swift-argument-parser knows only the long name.
            if let short = option.short, option.key != .version { names.insert(String(short)) }
            #expect(a.names == names, "--\(option.long): names \(a.names) against \(names)")
            let kind: String
            switch option.value {
            case .required, .words: kind = "option"
            case .none, .optional, .optionalAttached: kind = "flag"
            }
            #expect(a.kind == kind, "--\(option.long): the parser has a \(a.kind)")
            #expect(a.repeats == option.repeats, "--\(option.long): repetition differs")
            #expect(a.visible == !option.hidden, "--\(option.long): visibility differs")
            if option.key.isBuiltin { continue }
            #expect(
                table.sections.contains { $0.title == a.section && $0.options.contains { $0.key == option.key } },
                "--\(option.long): shown under \(a.section ?? "no title")")
            #expect(a.abstract == option.help, "--\(option.long): help text differs")
            // An optional value has no place in the parser's help: the text says how to give one.
            if option.value == .optional || option.value == .optionalAttached {
                #expect(option.help.contains("--\(option.long)="), "--\(option.long): help does not show --\(option.long)=")
            }
        }
        #expect(remaining.isEmpty, "declared but not in the table: \(remaining.map(\.names))")
    }

    @Test func launchTableIsWhatTheParserDescribes() throws {
        compare(LaunchOptions.table, with: try Self.arguments(LaunchCommand.self))
    }

    @Test func enterTableIsWhatTheParserDescribes() throws {
        compare(EnterOptions.table, with: try Self.arguments(EnterCommand.self))
    }

    @Test func theManualNamesEveryVisibleOption() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../man/swclone.1")
        let manual = try String(contentsOf: path, encoding: .utf8).replacingOccurrences(of: "\\-", with: "-")
        for option in (LaunchOptions.table.all + EnterOptions.table.all) where !option.hidden {
            #expect(manual.contains("--\(option.long)"), "man/swclone.1 does not name --\(option.long)")
        }
    }

    /// The completion scripts are generated from the table: an option with a value says
    /// what each word of it is (`complete: .directory`, `.text` for free text), a flag
    /// says nothing, and an option takes no more words than its `Value` gives it.
    @Test func everyValueSaysWhatItIsForCompletion() {
        for option in LaunchOptions.table.all + EnterOptions.table.all + builtinOptions.options {
            let kinds = [option.complete.kind, option.complete.second, option.complete.third]
            let words = option.value.wordCount
            #expect(
                !kinds.prefix(words).contains(.none),
                "--\(option.long) takes \(words) word(s): say what each is (complete: .directory, .file, .text...)")
            #expect(kinds.dropFirst(words).allSatisfy { $0 == .none }, "--\(option.long): completion for words it does not take")
        }
    }
}
