import Glibc
import LaunchSpec
import Testing

@testable import SwcloneCLI

/// --kill-child and --init on the command line: signal names, implications, conflicts.
struct SupervisionOptionTests {
    func spec(_ args: [String]) throws -> LaunchSpec {
        let parsed = try scanLaunch(args)
        return try LaunchOptions.makeSpec(parsed, caller: CallerEnvironment(["PATH=/usr/bin:/bin"]))
    }

    @Test(arguments: [
        ("TERM", SIGTERM), ("SIGTERM", SIGTERM), ("sigterm", SIGTERM), ("15", SIGTERM),
        ("hup", SIGHUP), ("SIGUSR1", SIGUSR1), ("Kill", SIGKILL), ("64", 64),
    ])
    func signalNamesAsUnshare(text: String, number: Int32) {
        #expect(signalNumber(text) == number)
    }

    @Test(arguments: ["", "0", "65", "-9", "SIG", "TERMINATE", "SIGSIGTERM", "15x"])
    func notSignals(text: String) {
        #expect(signalNumber(text) == nil)
    }

    @Test func killChildDefaultsToSigkillAndForks() throws {
        let s = try spec(["--kill-child", "true"])
        #expect(s.killChildSignal == SIGKILL)
        // A spaced word is the program, as with unshare's --kill-child[=SIGNAL].
        let spaced = try spec(["--kill-child", "TERM"])
        #expect(spaced.killChildSignal == SIGKILL && spaced.argv == ["TERM"])
        #expect(try spec(["--kill-child=term", "true"]).killChildSignal == SIGTERM)
        #expect(try spec(["--fork", "true"]).killChildSignal == nil)
    }

    @Test func badKillChildSignalIsAUsageError() {
        #expect(throws: SwcloneError.usage("--kill-child=BOGUS: not a signal name or number")) {
            try spec(["--kill-child=BOGUS", "true"])
        }
    }

    @Test func initNeedsAPIDNamespace() throws {
        #expect(try spec(["--pid", "--init", "true"]).runsInit)
        #expect(try spec(["--pid", "true"]).runsInit == false)
        let error = #expect(throws: SwcloneError.self) { try spec(["--init", "--fork", "true"]) }
        #expect(error?.status == 64 && error?.message.hasPrefix("--init needs --pid") == true)
    }
}
