import Glibc
import LaunchPlan
import LaunchSpec

/// Why the program ended, as --json-status's "exit-reason" says it.
enum ExitReason: String {
    case exited, signaled
    case timedOut = "timed-out"
    case oomKilled = "oom-killed"
}

/// How a supervised launch ended: the program's end, why, and what its
/// transient cgroup counted; swclone reports it and ends the same way.
struct LaunchResult {
    let supervision: Supervision
    let usage: CgroupUsage?
    let reason: ExitReason
    let limits: LimitsPlan?

    init(_ supervision: Supervision, usage: CgroupUsage?, limits: LimitsPlan?) {
        self.supervision = supervision
        self.usage = usage
        self.limits = limits
        if supervision.timedOut {
            reason = .timedOut
        } else if case .killed(let signal) = supervision.end {
            // The OOM killer's SIGKILL is the only one it sends.
            reason = signal == SIGKILL && (usage?.oomKills ?? 0) > 0 ? .oomKilled : .signaled
        } else {
            reason = .exited
        }
    }

    var end: ProgramEnd { supervision.end }

    /// One line on stderr when swclone or the OOM killer ended the program, or
    /// the OOM killer ended part of it.
    func report() {
        switch reason {
        case .timedOut:
            guard let timeout = limits?.timeout else { return }
            var line = "timed out after \(timeout.text)"
            if supervision.killedAfterTimeout {
                line +=
                    "; the program was still running \(timeout.killAfterText) after SIGTERM and was killed with everything it started (SIGKILL)"
            }
            warn(line)
        case .oomKilled:
            warn("the program was killed by the OOM killer (\(memoryOption))")
        case .exited, .signaled:
            if let kills = usage?.oomKills, kills > 0, limits?.memoryMax != nil {
                warn("the OOM killer killed \(kills) process\(kills == 1 ? "" : "es") the program started (\(memoryOption))")
            }
        }
    }

    private var memoryOption: String {
        limits?.memoryMax.map { "--memory-max \(formatBytes($0))" } ?? "its cgroup's memory limit"
    }

    /// As timeout(1): 124 when the program ended after the timeout's SIGTERM, 137 (128 + SIGKILL)
    /// when it had to be killed; otherwise the program's own end.
    func exitLikeIt() -> Never {
        if supervision.timedOut { exit(supervision.killedAfterTimeout ? 128 + SIGKILL : 124) }
        supervision.end.exitLikeIt()
    }
}
