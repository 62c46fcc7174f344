import LaunchSpec
import Testing
@testable import SwcloneCLI

/// Finding where the program's words begin, and unshare's `--ns=FILE` rule.
struct ArgvSplitterTests {
    @Test func programWordsAreNeverOptions() {
        #expect(parserArguments(["--fork", "echo", "--pid", "-n"]) == ["--fork", "--", "echo", "--pid", "-n"])
        #expect(parserArguments(["--fork", "--", "echo", "-x", "--"]) == ["--fork", "--", "echo", "-x", "--"])
    }

    @Test func namespaceFileOnlyWithEquals() {
        #expect(parserArguments(["--mount", "/x"]) == ["--mount", "--", "/x"])
        #expect(parserArguments(["--mount=/x", "true"]) == ["--mount", "--mount-file=/x", "--", "true"])
    }

    @Test func valuesAreJoinedToTheirOption() {
        #expect(parserArguments(["--wd", "/tmp", "pwd"]) == ["--wd=/tmp", "--", "pwd"])
        #expect(parserArguments(["-S1000", "-G", "-5", "id"]) == ["--setuid=1000", "--setgid=-5", "--", "id"])
        #expect(parserArguments(["-pmf", "sh"]) == ["--pid", "--mount", "--fork", "--", "sh"])
    }

    @Test func unknownOptionsGoToTheParser() {
        #expect(parserArguments(["--bogus", "-Z"]) == ["--bogus", "-Z"])
    }
}
