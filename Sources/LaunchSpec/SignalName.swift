import CShim

/// A signal as unshare's --kill-child takes it: a number, or a name with or
/// without "SIG" in any case (TERM, SIGTERM, sigterm), glibc's names
/// (sigabbrev_np) and their old aliases, and a real-time signal as util-linux
/// writes it: RTMIN+N or RTMAX-N (RTMIN and RTMAX alone too), counted from
/// glibc's SIGRTMIN and SIGRTMAX. Nil when it is none of these.
public func signalNumber(_ text: String) -> Int32? {
    if let n = Int32(text) { return (1...maxSignal).contains(n) ? n : nil }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if name.hasPrefix("RT") { return realTimeSignal(name.dropFirst(2)) }
    if let alias = aliases[name] { return alias }
    for n in 1..<sw_sigrtmin() {
        if let abbrev = sw_signal_abbrev(n), String(cString: abbrev) == name { return n }
    }
    return nil
}

/// "TERM", "RTMIN+3", or the number: how error lines name a signal (without "SIG").
public func signalName(_ signal: Int32) -> String {
    if let abbrev = sw_signal_abbrev(signal) { return String(cString: abbrev) }
    let low = sw_sigrtmin(), high = sw_sigrtmax()
    guard (low...high).contains(signal) else { return String(signal) }
    // As util-linux's signum_to_signame: the nearer end names it.
    if signal == low { return "RTMIN" }
    if signal == high { return "RTMAX" }
    return signal - low <= high - signal ? "RTMIN+\(signal - low)" : "RTMAX-\(high - signal)"
}

/// "MIN+N", "MAX-N", "MIN" or "MAX" after "RT", within glibc's real-time range.
private func realTimeSignal(_ rest: Substring) -> Int32? {
    let low = sw_sigrtmin(), high = sw_sigrtmax()
    let signal: Int32
    if rest == "MIN" {
        signal = low
    } else if rest == "MAX" {
        signal = high
    } else if rest.hasPrefix("MIN+"), let n = Int32(rest.dropFirst(4)), rest.dropFirst(4).allSatisfy(\.isNumber) {
        signal = low + n
    } else if rest.hasPrefix("MAX-"), let n = Int32(rest.dropFirst(4)), rest.dropFirst(4).allSatisfy(\.isNumber) {
        signal = high - n
    } else {
        return nil
    }
    return (low...high).contains(signal) ? signal : nil
}

/// Linux's highest signal (SIGRTMAX).
let maxSignal: Int32 = 64

/// Old names glibc's table does not give (util-linux accepts them).
private let aliases: [String: Int32] = ["IOT": 6, "CLD": 17, "POLL": 29]

/// Every name `signalNumber` takes from glibc (without SIG), in the order of their numbers:
/// what the shells' completion offers for --kill-child.
public func signalNamesInOrder() -> [String] {
    (1..<sw_sigrtmin()).compactMap { n in sw_signal_abbrev(n).map { String(cString: $0) } }
}
