import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// --seccomp-default's program, built by libseccomp (Sources/CShim/seccomp_default.c) before the
/// child exists, and only for a launch that asks for it; empty otherwise.
func defaultSeccompFilter(_ plan: LaunchPlan) throws -> [UInt8] {
    guard plan.spec.seccompDefault else { return [] }
    for case .seccomp(.standard(let refusesAttach)) in plan.steps {
        var program: UnsafeMutableRawPointer?
        var length = 0
        guard sw_default_seccomp_program(refusesAttach, &program, &length) == 0, let program else {
            throw SwcloneError.setup("--seccomp-default: cannot build the filter with libseccomp: \(errnoText(errno))")
        }
        defer { free(program) }
        return Array(UnsafeRawBufferPointer(start: program, count: length))
    }
    return []
}
