import Foundation

/// Runs `sh -c script` with $SW set to swclone, from an empty signal mask
/// (runProgram's): a program inherits its caller's mask through swclone (as
/// through unshare), and a blocked TERM would never reach it.
func cleanShell(_ script: String, timeout: Double = 30) throws -> Run {
    try runProgram("/bin/sh", ["-c", script], environment: ["SW": Swclone.path, "PATH": "/usr/bin:/bin"], timeout: timeout)
}

/// Shell lines that start `command` in the background as $p and wait until
/// the program has printed "ready" (its output goes to $out, a temporary file).
func startWhenReady(_ command: String) -> String {
    """
    out="${TMPDIR:-/tmp}/swclone-ready.$$"
    \(command) >"$out" & p=$!
    until grep -q ready "$out" 2>/dev/null; do sleep 0.05; done
    """
}
