import CShim

#if canImport(Glibc)
import Glibc
#endif

/// An error swclone reports as one `swclone: ...` line and an exit status.
public struct SwcloneError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var status: Int32
    /// bubblewrap's own words for the same error, for swclone started as `bwrap` (scripts match them).
    public var bwrapMessage: String?

    public init(_ message: String, status: Int32, bwrapMessage: String? = nil) {
        self.message = message
        self.status = status
        self.bwrapMessage = bwrapMessage
    }

    /// Bad command-line input.
    public static func usage(_ message: String, bwrap: String? = nil) -> SwcloneError {
        .init(message, status: ExitStatus.usage, bwrapMessage: bwrap)
    }
    /// A set-up step failed.
    public static func setup(_ message: String) -> SwcloneError { .init(message, status: ExitStatus.setupFailed) }

    public var description: String { message }
}

/// The exit statuses of the contract.
public enum ExitStatus {
    public static let usage: Int32 = 64
    public static let setupFailed: Int32 = 125
    public static let cannotRun: Int32 = 126
    public static let notFound: Int32 = 127
}

/// "Operation not permitted (EPERM)": the system's message and the name a
/// user can search for (glibc's strerrorname_np).
public func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let name = sw_errno_name(code) else { return text }
    return "\(text) (\(String(cString: name)))"
}

/// "(EEXIST)": the name alone, for a message that explains the error in its own words.
public func errnoName(_ code: Int32) -> String {
    "(\(sw_errno_name(code).map { String(cString: $0) } ?? "errno \(code)"))"
}

/// The contract's error line: `swclone: ` and the message on one line (swift-argument-parser's
/// messages span lines), control characters escaped so that a value cannot rewrite the user's
/// terminal, and a long line cut in its middle, keeping what failed and the system's reason.
public func errorLine(_ message: String, name: String = "swclone") -> String {
    var line = name + ": "
    var lastWasSpace = false
    for scalar in message.unicodeScalars {
        if scalar == "\n" || scalar == "\t" || scalar == " " {
            if !lastWasSpace { line.unicodeScalars.append(" ") }
            lastWasSpace = true
            continue
        }
        lastWasSpace = false
        if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
            line += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
        } else {
            line.unicodeScalars.append(scalar)
        }
    }
    let limit = 900
    guard line.utf8.count > limit else { return line }
    return String(line.prefix(560)) + " [...] " + String(line.suffix(300))
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
