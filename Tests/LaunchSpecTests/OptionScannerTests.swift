import ArgumentParser
import LaunchSpec
import Testing
@testable import SwcloneCLI

/// The scanner: where the program's words begin, unshare's `--ns=FILE` rule,
/// and what it leaves to swift-argument-parser.
struct OptionScannerTests {
    func scan(_ args: [String]) -> (parsed: ParsedOptions?, parserArguments: [String]) {
        (parseOptions(args, shapes: LaunchCommand.shapes), parserArguments(args, shapes: LaunchCommand.shapes))
    }

    @Test func programWordsAreNeverOptions() throws {
        let a = try #require(scan(["--fork", "echo", "--pid", "-n"]).parsed)
        #expect(a.flag("fork") && !a.flag("pid"))
        #expect(a.program == ["echo", "--pid", "-n"])
        let b = try #require(scan(["--fork", "--", "echo", "-x", "--"]).parsed)
        #expect(b.program == ["echo", "-x", "--"])
    }

    @Test func namespaceFileOnlyWithEquals() throws {
        let spaced = try #require(scan(["--mount", "/x"]).parsed)
        #expect(spaced.flag("mount") && spaced.last("mount-file") == nil && spaced.program == ["/x"])
        let attached = try #require(scan(["--mount=/x", "true"]).parsed)
        #expect(attached.last("mount-file") == "/x" && attached.program == ["true"])
        // unshare's short forms take no file.
        let short = try #require(scan(["-pmf", "sh"]).parsed)
        #expect(short.flag("pid") && short.flag("mount") && short.flag("fork") && short.program == ["sh"])
    }

    @Test func valuesAttachedOrSeparate() throws {
        let a = try #require(scan(["--wd", "/tmp", "-S1000", "-G", "-5", "--hostname=h", "id"]).parsed)
        #expect(a.last("wd") == "/tmp" && a.last("setuid") == "1000" && a.last("setgid") == "-5")
        #expect(a.last("hostname") == "h" && a.program == ["id"])
    }

    @Test func repeatedOptionsKeepEveryValue() throws {
        let a = try #require(scan(["--whitelist-env", "A", "--whitelist-env=B,C"]).parsed)
        #expect(a.all("whitelist-env") == ["A", "B,C"])
    }

    @Test(arguments: [["--bogus"], ["-Z"], ["--help"], ["-h"], ["--version"], ["--wd"],
                      ["--generate-completion-script", "bash"], ["--fork=yes"]])
    func leftToTheParser(_ args: [String]) {
        #expect(scan(args).parsed == nil)
    }

    @Test func builtinOptionsKeepTheirValue() {
        #expect(scan(["--generate-completion-script", "zsh"]).parserArguments == ["--generate-completion-script=zsh"])
    }

    @Test func parserSeesOptionsThenProgram() {
        #expect(scan(["-S", "0", "--mount=/x", "--bogus", "sh", "-c"]).parserArguments
            == ["--setuid=0", "--mount", "--mount-file=/x", "--bogus", "--", "sh", "-c"])
    }

    /// Every option --help shows has a shape, of the right kind, and every
    /// shape is an option the parser knows: the two views cannot drift.
    @Test func launchShapesMatchTheDeclaredOptions() {
        checkShapes(LaunchCommand.self, LaunchCommand.shapes.all)
    }

    @Test func enterShapesMatchTheDeclaredOptions() {
        checkShapes(EnterCommand.self, EnterCommand.shapes.all)
    }

    func checkShapes<C: ParsableCommand>(_ command: C.Type, _ shapes: [OptionShape]) {
        let help = command.helpMessage(columns: 1000)
        let declared = Set(help.matches(of: /(?m)^ +(?:-\w, )?--([a-z][a-z0-9-]*)/).map { String($0.1) })
        for name in declared {
            #expect(shapes.contains { $0.long == name }, "--\(name) has no OptionShape")
        }
        for shape in shapes where !isBuiltin(shape) {
            #expect(declared.contains(shape.long), "shape --\(shape.long) is not a declared option")
            let takesValue = help.contains("--\(shape.long) <")
            #expect(takesValue == (shape.value == .required), "--\(shape.long): help and shape disagree on its value")
            if case .attached(let hidden, _) = shape.value {
                #expect(throws: Never.self) { try command.parseAsRoot(["--\(shape.long)", "--\(hidden)=x"]) }
            }
        }
    }
}
