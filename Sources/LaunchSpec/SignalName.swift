/// A signal as unshare's --kill-child takes it: a number, or a name with or
/// without "SIG" in any case (TERM, SIGTERM, sigterm). Nil when it is neither.
public func signalNumber(_ text: String) -> Int32? {
    if let n = Int32(text) { return (1...maxSignal).contains(n) ? n : nil }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    return signalNames[name]
}

/// Linux's highest signal (SIGRTMAX).
let maxSignal: Int32 = 64

/// Linux's numbers (the generic table, shared by x86_64 and arm64).
private let signalNames: [String: Int32] = [
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
    "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16,
    "CHLD": 17, "CLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23,
    "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30,
    "SYS": 31,
]

/// Every name `signalNumber` takes (without SIG), in the order of their numbers: what the
/// shells' completion offers for --kill-child.
public func signalNamesInOrder() -> [String] {
    signalNames.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
}
