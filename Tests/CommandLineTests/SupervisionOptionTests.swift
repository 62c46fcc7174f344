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

    /// Real-time signals as util-linux names them, from glibc's SIGRTMIN (34) and SIGRTMAX (64).
    @Test(arguments: [
        ("RTMIN+3", 37), ("SIGRTMIN+3", 37), ("rtmin+0", 34), ("RTMAX-1", 63), ("sigrtmax-0", 64), ("RTMIN", 34),
        ("RTMAX", 64), ("RTMIN+30", 64), ("IOT", SIGABRT), ("CLD", SIGCHLD), ("POLL", SIGIO), ("STKFLT", 16), ("WINCH", SIGWINCH),
    ])
    func realTimeAndOldNames(text: String, number: Int32) {
        #expect(signalNumber(text) == number)
    }

    @Test(arguments: [
        "", "0", "65", "-9", "SIG", "TERMINATE", "SIGSIGTERM", "15x", "RTMIN+31", "RTMAX-31", "RTMIN-1", "RTMIN+", "RTMIN++1",
        "RT", "RTMIDDLE",
    ])
    func notSignals(text: String) {
        #expect(signalNumber(text) == nil)
    }

    @Test func namesInMessages() {
        #expect(signalName(SIGTERM) == "TERM" && signalName(34) == "RTMIN" && signalName(37) == "RTMIN+3")
        #expect(signalName(60) == "RTMAX-4" && signalName(64) == "RTMAX" && signalName(32) == "32")
    }

    @Test func killChildTakesARealTimeSignal() throws {
        #expect(try spec(["--kill-child=RTMIN+3", "true"]).killChildSignal == 37)
        #expect(try spec(["--kill-child=SIGRTMAX-2", "true"]).killChildSignal == 62)
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
